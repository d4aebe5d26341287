"""Benchmarks: `python -m toll.eval.benchmarks.speed` (throughput and memory); results in README.md."""

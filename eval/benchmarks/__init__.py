"""Benchmarks: `python -m eval.benchmarks.speed` (throughput and memory); results in README.md."""

"""Evaluation: metrics, reports and benchmarks (builds on ``models`` and ``training``)."""

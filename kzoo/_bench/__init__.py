"""Benchmark harness behind `kzoo bench` and `tools/bench.py` (private)."""

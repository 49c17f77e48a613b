"""Benchmarks (`make bench`), kept out of the test suite: each `bench_*.py` module has `run() -> dict`."""

"""Benchmarks for the ml engine: quality, market, learning, scale (python -m bench)."""

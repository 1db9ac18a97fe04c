"""Benchmarks run side by side with the peers: ``python -m benchmarks`` (see README.md)."""

"""Benchmarks of the spatial core (see bench/README.md)."""

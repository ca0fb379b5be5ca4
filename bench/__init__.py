"""Benchmarks of a Compagnon node and of its peers on the same machine (see README.md).

Run with `make bench` or `python -m bench.run`; nothing here is imported by the node or the
tests, and nothing here asserts a time.
"""

"""Compagnon: a federated network for vocational trainers."""

__version__ = "0.1.0"

"""benchlab: compare neural-architecture-search strategies on tabular NAS benchmarks."""

__version__ = "0.1.0"

"""Where the NB101 structural index used to live: see benchlab/benchmarks/nb101/index.py."""

from benchlab.benchmarks.nb101.index import StructuralIndex, isomorphic, shape_of, shape_of_cell, table_fingerprints

__all__ = ["StructuralIndex", "isomorphic", "shape_of", "shape_of_cell", "table_fingerprints"]

"""The toy benchmark of the conformance kit, under the name the tests use (`tests.toy:make_toy_benchmark`)."""

from benchlab.testing.toy import make_toy_benchmark, make_toy_space

__all__ = ["make_toy_benchmark", "make_toy_space"]

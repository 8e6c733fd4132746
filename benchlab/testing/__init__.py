"""A conformance kit for your own strategies, search spaces and benchmarks.

As scikit-learn's `check_estimator` does for estimators, each check runs the contract's
rules against your class or object and raises `benchlab.errors.ConformanceError` (an
`AssertionError`, so it fails a test, and a `UserError`, so the CLI prints it as one line)
naming the first rule broken and how to fix it::

    from benchlab.testing import check_benchmark, check_space, check_strategy

    def test_my_search():
        check_strategy(MySearch)          # the class; runs it on a small toy benchmark

    def test_my_space():
        check_space(MySpace())

    def test_my_benchmark():
        check_benchmark(make_my_benchmark())

`benchlab validate` runs `check_strategy` first, and an experiment that names a benchmark
factory (`module:function`) runs `check_benchmark` on it before any run.
"""

from benchlab.errors import ConformanceError
from benchlab.testing.benchmarks import check_benchmark
from benchlab.testing.spaces import check_space
from benchlab.testing.strategies import check_strategy
from benchlab.testing.toy import make_toy_benchmark, make_toy_space

__all__ = ["ConformanceError", "check_benchmark", "check_space", "check_strategy", "make_toy_benchmark",
           "make_toy_space"]

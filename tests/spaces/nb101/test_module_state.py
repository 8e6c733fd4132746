"""No module-level mutable state in the NB101 packages decides what a function does.

Every module global of benchlab.spaces.nb101, benchlab.benchmarks.nb101 and
benchlab.compat.nasbench is a module, class, function or an immutable value (numbers,
strings, tuples, frozensets, read-only mappings). The only stateful globals allowed are
the memos listed below: pure functions whose cache cannot change what they return.
"""

import importlib
import pkgutil
import types

import numpy as np

import benchlab.benchmarks.nb101
import benchlab.compat.nasbench
import benchlab.spaces.nb101

IMMUTABLE = (int, float, str, bytes, bool, type(None), np.dtype)


def _pure_memos() -> set[int]:
    from benchlab.compat.nasbench import model_spec
    from benchlab.spaces.nb101 import canonical, cell, moves

    return {
        id(canonical.canonical_structure), id(canonical.cell_structure), id(moves._change_probabilities),
        id(cell._checked_ops), id(model_spec._entry_bytes),
    }


def _modules():
    for package in (benchlab.spaces.nb101, benchlab.benchmarks.nb101, benchlab.compat.nasbench):
        yield package
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            yield importlib.import_module(info.name)


def _frozen(value) -> bool:
    if isinstance(value, (tuple, frozenset)):
        return all(_frozen(v) for v in value)
    if isinstance(value, types.MappingProxyType):
        return all(_frozen(v) for v in value.values())
    if isinstance(value, np.ndarray):
        return not value.flags.writeable
    return isinstance(value, (*IMMUTABLE, type))


def _code(value) -> bool:
    """Modules, classes, functions (not memos): definitions, not state."""
    return isinstance(value, (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType)) or (
        type(value).__name__ == "_Feature"  # `from __future__ import annotations`
    )


def test_module_globals_are_immutable_or_pure_memos():
    memos = _pure_memos()
    offenders = [
        f"{module.__name__}.{name}: {type(value).__name__}"
        for module in _modules()
        for name, value in vars(module).items()
        if not name.startswith("__") and not _code(value) and not _frozen(value) and id(value) not in memos
    ]
    assert not offenders, offenders

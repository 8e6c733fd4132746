"""The "adding a strategy / benchmark / search space" pages: every code block runs as written.

A Python block whose first line is `# name.py` is a module and is written to a folder on
sys.path under that name; every other Python block runs in a fresh namespace, in page
order, after the modules before it; a TOML block is an experiment file that must load.
The pages' own blocks call the conformance kit on their examples; the test repeats the call
so that a page that drops it still has its example checked.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

from benchlab.harness.config import load_config
from benchlab.testing import check_benchmark, check_space, check_strategy

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"```(python|toml)\n(.*?)```", re.S)
PAGES = {  # page -> (module, attribute, check)
    "adding-a-strategy.md": ("my_search", "MutateTheBest", check_strategy),
    "adding-a-search-space.md": ("layer_stack", "LayerStack", lambda cls: check_space(cls())),
    "adding-a-benchmark.md": ("my_benchmark", "make_benchmark", lambda factory: check_benchmark(factory())),
}


@pytest.fixture
def module_dir(tmp_path, monkeypatch):
    folder = tmp_path / "modules"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    for name in [m for spec in PAGES.values() for m in spec[:1]]:
        sys.modules.pop(name, None)


def run_page(page: str, folder: Path, tmp_path: Path) -> list[str]:
    ran = []
    for n, (language, code) in enumerate(BLOCK.findall((DOCS / page).read_text())):
        first = code.splitlines()[0]
        if language == "toml":
            path = tmp_path / f"block-{n}.toml"
            path.write_text(code)
            load_config(path)
            ran.append("toml")
        elif re.fullmatch(r"# \w+\.py", first):
            (folder / first[2:]).write_text(code)
            importlib.invalidate_caches()
            ran.append("module")
        else:
            exec(compile(code, f"{page} block {n}", "exec"), {"__name__": f"docs_block_{n}"})
            ran.append("code")
    return ran


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_block_of_the_page_runs_and_its_example_passes_the_kit(page, module_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ran = run_page(page, module_dir, tmp_path)
    assert ran.count("module") == 1 and "code" in ran
    module, attribute, check = PAGES[page]
    check(getattr(importlib.import_module(module), attribute))


def test_the_readme_strategy_passes_the_kit():
    readme = (DOCS.parent / "README.md").read_text()
    code = next(c for lang, c in BLOCK.findall(readme) if lang == "python" and "class MySearch" in c)
    namespace = {"__name__": "readme_example"}
    exec(compile(code, "README.md", "exec"), namespace)
    check_strategy(namespace["MySearch"])


def test_the_strategy_page_quotes_the_error_a_bad_value_gives(module_dir, tmp_path):
    from benchlab.errors import ConfigError

    page = (DOCS / "adding-a-strategy.md").read_text()
    run_page("adding-a-strategy.md", module_dir, tmp_path)
    experiment = next(code for lang, code in BLOCK.findall(page) if lang == "toml")
    path = tmp_path / "that-file.toml"
    path.write_text(experiment.replace("n_initial = 20", "n_initial = 0"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    quoted = " ".join(page.split())  # the page wraps the message over lines
    assert str(info.value).replace(str(tmp_path) + "/", "") in quoted

"""The documentation site lists every public name, and installs what it uses.

The API reference (``docs/api.md``) keeps one autosummary list per module; a name added to
``recidive.__all__``, ``recidive.report.__all__`` or ``recidive.datasets.__all__`` without
a line there would be missing from the site without any warning from Sphinx, so this test
compares the lists. The site itself is built in CI (``.ci/run``) with warnings as errors.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import recidive as rc

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# documented in prose on the API page, not as autosummary entries
NOT_LISTED = {"recidive": {"__version__", "datasets", "report"}}
# Sphinx extension module -> the distribution in the docs extra that provides it
EXTENSION_PACKAGES = {
    "numpydoc": "numpydoc",
    "myst_nb": "myst-nb",
    "sphinx_copybutton": "sphinx-copybutton",
    "sphinxarg.ext": "sphinx-argparse",
}


def listed_names(text: str) -> dict[str, list[str]]:
    """The autosummary entries of an API page, per ``currentmodule``."""
    names: dict[str, list[str]] = {}
    module = None
    in_list = False
    for line in text.splitlines():
        if found := re.match(r"\.\. currentmodule:: (\S+)", line.strip()):
            module = found.group(1)
            in_list = False
        elif line.strip().startswith(".. autosummary::"):
            in_list = True
            names.setdefault(module, [])
        elif in_list and line.startswith("   ") and not line.strip().startswith(":"):
            if line.strip():
                names[module].append(line.strip())
        elif in_list and line.strip() and not line.startswith(" "):
            in_list = False
    return names


def test_listed_names_reads_a_page():
    page = (
        "```{eval-rst}\n.. currentmodule:: m\n\n.. autosummary::\n   :toctree: generated\n\n"
        "   a\n   b\n```\ntext\n"
    )
    assert listed_names(page) == {"m": ["a", "b"]}


@pytest.mark.parametrize("module", [rc, rc.report, rc.datasets], ids=lambda m: m.__name__)
def test_api_page_lists_every_public_name(module):
    listed = listed_names((DOCS / "api.md").read_text(encoding="utf-8"))
    names = listed.get(module.__name__, [])
    expected = set(module.__all__) - NOT_LISTED.get(module.__name__, set())
    missing = sorted(expected - set(names))
    extra = sorted(set(names) - set(module.__all__))
    assert not missing, f"add to the {module.__name__} list in docs/api.md: {missing}"
    assert not extra, f"docs/api.md lists names not in {module.__name__}.__all__: {extra}"
    assert len(names) == len(set(names)), "a name is listed twice in docs/api.md"


def test_docs_extra_provides_every_extension():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extra = " ".join(config["project"]["optional-dependencies"]["docs"])
    conf = (DOCS / "conf.py").read_text(encoding="utf-8")
    block = conf[conf.index("extensions = [") : conf.index("]", conf.index("extensions = ["))]
    for extension in re.findall(r'"([\w.]+)"', block):
        package = "sphinx" if extension.startswith("sphinx.ext") else EXTENSION_PACKAGES[extension]
        assert re.search(rf"\b{re.escape(package)}>=", extra), f"{package} not in the docs extra"
    assert "pydata-sphinx-theme>=" in extra and "pydata_sphinx_theme" in conf
    assert all(">=" in requirement and "<" not in requirement for requirement in extra.split())


def test_every_notebook_is_a_page():
    page = (DOCS / "notebooks.md").read_text(encoding="utf-8")
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{notebook.stem}" in page, notebook.name

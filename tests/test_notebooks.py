"""Every notebook runs top to bottom in a fresh kernel, without errors, and draws a figure.

The committed notebooks are read, executed in memory (the files are never rewritten) with
``notebooks/`` as the working directory, and checked for error outputs, warnings on stderr and
at least one ``image/png`` output.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 300


def _outputs(nb):
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            yield index, output


def test_notebooks_exist():
    names = [path.name for path in NOTEBOOKS]
    assert names == [
        "01_reproduce_the_monitor.ipynb",
        "02_rossi_recidivism.ipynb",
        "03_your_own_data.ipynb",
    ]


def test_committed_notebooks_carry_their_figures():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        figures = [o for _, o in _outputs(nb) if "image/png" in o.get("data", {})]
        assert figures, f"{path.name} was committed without outputs; execute it before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, monkeypatch):
    # the kernel imports recidive from this source tree, installed or not
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell

    errors = [(i, o["ename"]) for i, o in _outputs(nb) if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: error outputs in cells {errors}"
    stderr = [
        (i, o["text"][:300])
        for i, o in _outputs(nb)
        if o.get("output_type") == "stream" and o.get("name") == "stderr"
    ]
    assert not stderr, f"{path.name}: cells wrote to stderr (warnings?): {stderr}"
    figures = [i for i, o in _outputs(nb) if "image/png" in o.get("data", {})]
    assert figures, f"{path.name} produced no figure"

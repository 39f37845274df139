"""Load committed reference values (JSON written by R scripts) as numpy arrays."""

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
R_DIR = HERE.parent / "r"
DATA_DIR = HERE.parent / "data"
SHARED = HERE.parents[2] / "shared" / "reference"
if not SHARED.exists():  # pragma: no cover - layout of a standalone checkout
    SHARED = Path("/work/shared/reference")


def load_json(path: Path) -> dict:
    return json.loads(path.read_text())


def arr(values) -> np.ndarray:
    """JSON list (null = NA) to a float array with NaN."""
    if not isinstance(values, list):
        values = [values]
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def assert_close(actual, expected, tol: float, what: str = "") -> float:
    """Assert equality within ``tol``, NaN where R has NA; return the max abs difference."""
    a, e = (
        np.asarray(actual, dtype=float),
        arr(expected) if isinstance(expected, list) else np.asarray(expected, dtype=float),
    )
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    nan_a, nan_e = np.isnan(a), np.isnan(e)
    assert (nan_a == nan_e).all(), (
        f"{what}: NaN pattern differs at {np.flatnonzero(nan_a != nan_e)[:5]}"
    )
    diff = float(np.max(np.abs(a[~nan_a] - e[~nan_e]), initial=0.0))
    assert diff <= tol, f"{what}: max abs difference {diff:g} > {tol:g}"
    return diff

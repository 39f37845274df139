"""Helpers and fixtures of the report tests (fixtures are re-exported by conftest.py)."""

from __future__ import annotations

import json
import os
import warnings
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import recidive as rc  # noqa: E402
from recidive.errors import SmallCellWarning  # noqa: E402

SNAPSHOTS = Path(__file__).parent / "snapshots"
FIXED_DATE = datetime(2024, 1, 1, tzinfo=UTC)
REFERENCE_JSON = Path(rc.datasets.__file__).parent / "data" / "dadermonitor_2017_2021.json"


def build_section(cohort, **kwargs):
    """A section with a fixed generation date; small-cell warnings are recorded, not raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SmallCellWarning)
        section = rc.report.recidivism_section(cohort, generated_at=FIXED_DATE, **kwargs)
    unexpected = [w for w in caught if not issubclass(w.category, SmallCellWarning)]
    for w in unexpected:  # anything else stays an error, as in the rest of the suite
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return section


@pytest.fixture(scope="session")
def default_cohort():
    """The seed's population of the default registry: should reproduce the published figures."""
    rules = rc.CohortRules(population=rc.datasets.REFERENCE_POPULATION)
    return rc.build_cohort(rc.datasets.reference_registry(seed=2022), rules)


@pytest.fixture(scope="session")
def default_section_nl(default_cohort):
    return build_section(default_cohort, lang="nl")


@pytest.fixture(scope="session")
def default_section_en(default_cohort):
    return build_section(default_cohort, lang="en")


@pytest.fixture(scope="session")
def small_cohort():
    """A small fixed-seed registry for the snapshots (cells under 10 do occur)."""
    return rc.build_cohort(rc.datasets.reference_registry(n_persons=400, seed=7))


@pytest.fixture(scope="session")
def small_section_nl(small_cohort):
    return build_section(small_cohort, lang="nl")


@pytest.fixture(scope="session")
def tiny_cohort():
    """About 50 persons: disclosure control has work to do."""
    return rc.build_cohort(rc.datasets.reference_registry(n_persons=50, seed=11))


@pytest.fixture(scope="session")
def published():
    """The published figures (the package's copy of shared/reference's JSON)."""
    return json.loads(REFERENCE_JSON.read_text(encoding="utf-8"))


def compare_snapshot(name: str, text: str) -> None:
    """Compare ``text`` with ``snapshots/name``; rewrite it when RECIDIVE_UPDATE_SNAPSHOTS=1."""
    path = SNAPSHOTS / name
    if os.environ.get("RECIDIVE_UPDATE_SNAPSHOTS") == "1" or not path.exists():
        if os.environ.get("RECIDIVE_UPDATE_SNAPSHOTS") != "1":
            pytest.fail(f"snapshot {name} missing; run with RECIDIVE_UPDATE_SNAPSHOTS=1 to create")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"{name} changed; inspect the diff and rerun with RECIDIVE_UPDATE_SNAPSHOTS=1 "
        "if the change is intended"
    )

"""Builders for tiny hand-made registries (used by the tests in tests/cohort).

``persons_frame(...)`` and ``cases_frame(...)`` fill in every column with a
harmless default, so a test writes only the columns it is about.
"""

from __future__ import annotations

import warnings

import pandas as pd

from recidive.errors import CutoffWarning
from recidive.registry import Registry

#: The cut-off of ``good_tables`` (conftest): within a year of its latest case date.
CUTOFF = "2018-05-31"

PERSON = {
    "sex": "M",
    "birth_date": "1980-01-01",
    "index_offence_date": "2014-01-01",
    "index_disposal_date": "2015-01-01",
    "index_release_date": None,
    "exploitation_form": "arbeid",
    "prior_cases": 0,
    "death_date": None,
    "emigration_date": None,
}
CASE = {
    "disposal": "conviction",
    "offence_category": "property",
    "max_penalty_years": 2.0,
    "is_crime": True,
}


def persons_frame(*rows: dict) -> pd.DataFrame:
    """Persons with ids 1, 2, ... unless given; every other column defaulted."""
    return pd.DataFrame([{"person_id": i, **PERSON, **row} for i, row in enumerate(rows, 1)])


def cases_frame(*rows: dict) -> pd.DataFrame:
    """Case rows with case ids c1, c2, ... unless given; disposal 30 days after the offence."""
    out = []
    for i, row in enumerate(rows, 1):
        full = {"person_id": 1, "case_id": f"c{i}", **CASE, **row}
        if "disposal_date" not in row:
            full["disposal_date"] = (
                pd.Timestamp(full["offence_date"]) + pd.Timedelta(days=30)
            ).strftime("%Y-%m-%d")
        out.append(full)
    columns = ["person_id", "case_id", "offence_date", "disposal_date", *CASE]
    return pd.DataFrame(out, columns=columns)


def detentions_frame(*rows: tuple) -> pd.DataFrame:
    """Detentions from (person_id, start, end) tuples."""
    return pd.DataFrame(list(rows), columns=["person_id", "start", "end"])


def make_registry(persons, cases, detentions=None, cutoff="2020-12-31") -> Registry:
    """A Registry from row dicts (see persons_frame / cases_frame).

    A hand-made registry of one or two persons holds a few dates years before its
    cut-off, which a real extract never does; the CutoffWarning about it is left out here
    (tests/cohort/test_cutoff.py tests it).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CutoffWarning)
        return Registry(
            persons_frame(*persons),
            cases_frame(*cases),
            None if detentions is None else detentions_frame(*detentions),
            cutoff_date=cutoff,
        )

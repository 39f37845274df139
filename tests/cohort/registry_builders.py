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


def three_person_registry(person_3_detained: bool = True) -> Registry:
    """Three persons (start 2016-01-01 for 1 and 3, 2015-07-01 for 2), cut-off 2020-12-31.

    Person 1: cases on day 60 (two offence rows of one case), day 120 (during the
    detention of days 100-130: counts at day 100) and two cases on day 400. Person 2: a
    detention running at the start (2015-06-01 to 2015-08-30) with a case during it,
    then a case on day 100. Person 3: no case; with ``person_3_detained``, a detention
    from 2019-01-01 to past the cut-off.
    """
    persons = pd.DataFrame({
        "person_id": [1, 2, 3], "sex": ["M", "F", "M"],
        "birth_date": ["1990-01-01", "1985-05-05", "1980-02-02"],
        "index_offence_date": ["2015-01-01", "2015-02-01", "2015-01-01"],
        "index_disposal_date": ["2015-06-01", "2015-07-01", "2015-06-01"],
        "index_release_date": ["2016-01-01", None, "2016-01-01"],
        "exploitation_form": ["arbeid", "crimineel", "arbeid"], "prior_cases": [0, 3, 1],
    })  # fmt: skip
    day = pd.Timestamp("2016-01-01")
    dates = [day + pd.Timedelta(days=d) for d in (60, 60, 120, 400, 400)]
    cases = pd.DataFrame({
        "person_id": [1, 1, 1, 1, 1, 2, 2],
        "case_id": ["a", "a", "b", "c", "d", "e", "f"],
        "offence_date": [*dates, pd.Timestamp("2015-08-01"), pd.Timestamp("2015-10-09")],
        "disposal_date": [pd.Timestamp("2018-01-01")] * 7,
        "disposal": ["conviction"] * 7,
        "offence_category": ["property", "violence", "violence", "property", "drugs",
                             "violence", "property"],
        "max_penalty_years": [4.0, 6.0, 8.0, 4.0, 12.0, 6.0, 4.0], "is_crime": [True] * 7,
    })  # fmt: skip
    detentions = pd.DataFrame({
        "person_id": [1, 2, 3],
        "start": [day + pd.Timedelta(days=100), pd.Timestamp("2015-06-01"), pd.Timestamp("2019-01-01")],
        "end": [day + pd.Timedelta(days=130), pd.Timestamp("2015-08-30"), pd.Timestamp("2021-01-01")],
    })  # fmt: skip
    if not person_3_detained:
        detentions = detentions[detentions["person_id"] != 3]
    return Registry(persons, cases, detentions, cutoff_date="2020-12-31")

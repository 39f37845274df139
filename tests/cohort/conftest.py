"""Fixtures for the cohort tests; the builders live in ``registry_builders.py``."""

from __future__ import annotations

import pandas as pd
import pytest
from registry_builders import cases_frame, detentions_frame, persons_frame


@pytest.fixture
def good_tables() -> dict[str, pd.DataFrame]:
    """A small valid registry: three persons, three case rows, one detention."""
    return {
        "persons": persons_frame(
            {"index_release_date": "2015-06-01"},
            {"sex": "F", "exploitation_form": "crimineel"},
            {"prior_cases": 4, "death_date": "2018-01-01"},
        ),
        "cases": cases_frame(
            {"offence_date": "2016-01-01"},
            {"person_id": 2, "offence_date": "2017-05-05", "offence_category": "violence"},
            {"person_id": 2, "case_id": "c2", "offence_date": "2017-05-05"},
        ),
        "detentions": detentions_frame((3, "2016-01-01", "2016-03-01")),
    }

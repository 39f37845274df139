"""Small registries for the docstring examples."""

from __future__ import annotations

import pandas as pd

from recidive.registry import Registry


def example_registry() -> Registry:
    """Two persons and three case rows, for the docstring examples."""
    persons = pd.DataFrame(
        {
            "person_id": [1, 2],
            "sex": ["M", "F"],
            "birth_date": ["1990-01-01", "1985-05-05"],
            "index_offence_date": ["2015-01-01", "2015-02-01"],
            "index_disposal_date": ["2015-06-01", "2015-07-01"],
            "index_release_date": ["2016-01-01", None],
            "exploitation_form": ["arbeid", "crimineel"],
            "prior_cases": [0, 3],
        }
    )
    cases = pd.DataFrame(
        {
            "person_id": [1, 2, 2],
            "case_id": ["a", "b", "c"],
            "offence_date": ["2016-03-01", "2015-06-01", "2017-01-01"],
            "disposal_date": ["2016-09-01", "2015-09-01", "2017-03-01"],
            "disposal": ["conviction", "conviction", "acquittal"],
            "offence_category": ["property", "violence", "drugs"],
            "max_penalty_years": [4.0, 2.0, 12.0],
            "is_crime": [True, True, True],
        }
    )
    return Registry(persons, cases, cutoff_date="2017-12-31")

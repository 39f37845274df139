"""CohortRules: defaults follow the Dutch standard; bad arguments give clear errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from recidive import schema
from recidive.errors import ArgumentError
from recidive.rules import CohortRules


def test_defaults_follow_the_dutch_standard():
    rules = CohortRules()
    assert rules.cutoff_date is None and rules.start == "release"
    assert rules.crimes_only and rules.censor_at_death and rules.censor_at_emigration
    assert not rules.remove_detention_time and rules.registration_lag_days == 0
    assert rules.excluded_disposals == ("technical_dismissal", "acquittal", "discharge")
    assert rules.criteria == schema.CRITERIA
    assert (rules.serious_min_penalty_years, rules.very_serious_min_penalty_years) == (4.0, 8.0)
    assert rules.age_group_labels == ("<23", "23+")


def test_rules_are_frozen_and_hashable():
    rules = CohortRules(criteria=["general", "drugs"], cutoff_date="2022-12-31")
    assert rules.criteria == ("general", "drugs")
    assert rules.cutoff_date == pd.Timestamp("2022-12-31")
    assert hash(rules) == hash(CohortRules(criteria=("general", "drugs"), cutoff_date="2022-12-31"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.start = "disposal"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": "arrest"}, "start must be one of 'release', 'disposal', not 'arrest'"),
        ({"criteria": ("general", "theft")}, "criteria has unknown value(s) 'theft'; use any of"),
        ({"criteria": ()}, "criteria must name at least one criterion"),
        ({"criteria": ("drugs", "drugs")}, "criteria lists 'drugs' more than once"),
        ({"excluded_disposals": ("pardon",)}, "excluded_disposals has unknown value(s) 'pardon'"),
        (
            {"registration_lag_days": -1},
            "registration_lag_days must be a whole number of days >= 0",
        ),
        ({"registration_lag_days": 1.5}, "registration_lag_days must be a whole number"),
        ({"crimes_only": "yes"}, "crimes_only must be True or False, not 'yes'"),
        ({"serious_min_penalty_years": 0}, "serious_min_penalty_years must be a positive number"),
        (
            {"very_serious_min_penalty_years": 3.0},
            "very_serious_min_penalty_years (3) must be >= serious_min_penalty_years (4)",
        ),
        ({"age_breaks": (18, 18, 30)}, "age_breaks must be increasing positive ages"),
        (
            {"age_labels": ("young", "old")},
            "age_labels must have one label per band, len(age_breaks) + 1 = 5, not 2",
        ),
        ({"age_labels": ("a", "a", "b", "c", "d")}, "age_labels must be distinct strings"),
        ({"monitor_age_cut": -3}, "monitor_age_cut must be an age in years"),
        ({"cutoff_date": "31-31-2022"}, "cutoff_date must be a date written YYYY-MM-DD"),
        (
            {"cutoff_date": 2022},
            "cutoff_date must be a date written YYYY-MM-DD such as '2022-06-30'; got 2022",
        ),
        (
            {"registration_lag_days": np.int64(-4)},
            "registration_lag_days must be a whole number of days >= 0, not -4",
        ),
        (
            {"monitor_age_cut": np.float64(130.0)},
            "monitor_age_cut must be an age in years, not 130.0",
        ),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ArgumentError) as info:
        CohortRules(**kwargs)
    assert str(info.value).startswith(message)


def test_to_dict_is_plain_values():
    d = CohortRules(cutoff_date="2022-12-31").to_dict()
    assert d["cutoff_date"] == "2022-12-31" and d["criteria"][0] == "general"
    assert set(d) == {f.name for f in dataclasses.fields(CohortRules)}

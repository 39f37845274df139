"""``by=`` takes any person column of the cohort, its ``exit_year`` and the user's own ones."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import KaplanMeierFitter

import recidive as rc


@pytest.fixture(scope="module")
def cohort():
    return rc.build_cohort(rc.datasets.reference_registry(n_persons=3000, seed=11))


def test_exit_year_is_the_year_of_the_start_of_observation(cohort):
    persons = cohort.persons
    assert persons["exit_year"].dtype == np.int64
    assert (persons["exit_year"] == persons["start_date"].dt.year).all()
    assert persons["exit_year"].nunique() >= 3


def test_rates_by_exit_year_equal_lifelines(cohort):
    # the latest exit years (releases into 2022) are followed less than two years
    with pytest.warns(rc.InsufficientFollowUpWarning):
        rates = rc.recidivism_rates(cohort, horizons=(2,), by="exit_year").to_frame()
    persons = cohort.persons
    for year in sorted(persons["exit_year"].unique())[:4]:
        sub = persons[persons["exit_year"] == year]
        kmf = KaplanMeierFitter().fit(sub["general_days"], sub["general_event"])
        expected = 1 - float(kmf.survival_function_at_times(2 * 365.25).iloc[0])
        row = rates[(rates["exit_year"] == year) & (rates["horizon_years"] == 2)]
        assert row["n"].item() == len(sub)
        assert row["rate"].item() == pytest.approx(expected, abs=1e-12)


def test_a_column_the_user_added_to_persons_stratifies():
    cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=1500, seed=12))
    region = np.where(cohort.persons["person_id"].to_numpy().astype(int) % 3 == 0, "noord", "zuid")
    cohort.persons["region"] = region
    frame = cohort.survival_frame("general")
    assert "region" in frame.columns and "exit_year" in frame.columns
    outcomes = {f"{c}_{part}" for c in cohort.criteria for part in ("days", "event")}
    assert not outcomes & set(frame.columns)
    rates = rc.recidivism_rates(cohort, horizons=(2,), by=["region"]).to_frame()
    north = rates[rates["region"] == "noord"]
    assert north["n"].item() == int((region == "noord").sum())
    sub = cohort.persons[region == "noord"]
    kmf = KaplanMeierFitter().fit(sub["general_days"], sub["general_event"])
    expected = 1 - float(kmf.survival_function_at_times(2 * 365.25).iloc[0])
    assert north["rate"].item() == pytest.approx(expected, abs=1e-12)

"""``reoffending_frequency`` on cohorts: cases counted by hand on both clocks, the arguments.

The registry (``registry_builders.three_person_registry`` without person 3's detention):
person 1 (start 2016-01-01): case a on day 60 (two offence rows), case b on day 120 during a
detention of days 100-130, cases c and d on day 400. Person 2 (start 2015-07-01, a detention
2015-06-01 to 2015-08-30 running at the start): case e on day 31 (in that detention), case f
on day 100. Person 3: no case. Cut-off 2020-12-31.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from registry_builders import three_person_registry

import recidive as rc
from recidive.frequency import case_history


@pytest.fixture(scope="module")
def cohorts():
    registry = three_person_registry(person_3_detained=False)
    at_liberty = rc.CohortRules(remove_detention_time=True)
    return rc.build_cohort(registry), rc.build_cohort(registry, at_liberty)


def test_case_history_counts_cases_not_rows(cohorts):
    calendar, at_liberty = cohorts
    assert case_history(calendar).values.tolist() == [
        [1, 60, 1], [1, 120, 1], [1, 400, 2], [2, 31, 1], [2, 100, 1]
    ]  # fmt: skip
    # days at liberty: case b at the start of its detention (day 100), the later ones 30
    # days earlier; person 2's detention covers days 0-59, so case e is at day 0
    assert case_history(at_liberty).values.tolist() == [
        [1, 60, 1], [1, 100, 1], [1, 370, 2], [2, 0, 1], [2, 40, 1]
    ]  # fmt: skip
    assert case_history(calendar, "violence").values.tolist() == [
        [1, 60, 1], [1, 120, 1], [2, 31, 1]
    ]  # fmt: skip


@pytest.mark.parametrize("clock", [0, 1])
def test_frequency_by_hand(cohorts, clock):
    table = rc.reoffending_frequency(cohorts[clock], ["general", "violence"], horizons=(1, 2))
    frame = table.to_frame()
    assert list(frame.columns) == ["criterion", *rc.frequency.FREQUENCY_COLUMNS]
    general = frame[frame.criterion == "general"]
    # all three persons are followed beyond two years: 4 cases in year 1, 6 by year 2
    np.testing.assert_allclose(general["mcf"], [4 / 3, 6 / 3])
    np.testing.assert_allclose(general["per_100"], [400 / 3, 600 / 3])
    np.testing.assert_allclose(general["share_recidivists"], [2 / 3, 2 / 3])
    np.testing.assert_allclose(general["per_recidivist"], [2.0, 3.0])
    violence = frame[frame.criterion == "violence"]
    np.testing.assert_allclose(violence["mcf"], [1.0, 1.0])
    if clock:
        assert table.clock == "time_at_liberty"
        np.testing.assert_allclose(general["per_year_at_liberty"], [4 / 3, 1.0])
    else:
        assert table.clock == "calendar" and general["per_year_at_liberty"].isna().all()
    assert (frame["status"] == "ok").all()
    assert (frame["ci_lower"] <= frame["mcf"]).all() and (frame["mcf"] <= frame["ci_upper"]).all()


def test_by_groups_and_follow_up():
    cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=3000, seed=5))
    table = rc.reoffending_frequency(cohort, horizons=(2, 5, 40), by="age_group")
    frame = table.to_frame()
    assert frame["age_group"].tolist()[:3] == ["all"] * 3
    assert set(frame["age_group"]) == {"all", *cohort.persons["age_group"].astype(str)}
    past = frame["horizon_years"] == 40
    assert (frame.loc[past, "status"] == "insufficient_follow_up").all()
    assert frame.loc[past, ["mcf", "per_recidivist", "std_err"]].isna().all().all()
    ok = frame[~past]
    # the share with a reoffence is the cohort's Kaplan-Meier recidivism
    rates = rc.recidivism_rates(cohort, horizons=(2, 5), by=["age_group"]).to_frame()
    np.testing.assert_allclose(ok["share_recidivists"], rates["rate"], rtol=1e-12)
    assert (ok["per_recidivist"] >= 1).all() and (ok["mcf_death_terminal"] <= ok["mcf"]).all()
    for _, g in ok.groupby("age_group"):
        assert g["mcf"].is_monotonic_increasing
    # invariant to the order of the persons and cases
    shuffled = rc.Cohort(**{**vars(cohort), "persons": cohort.persons.sample(frac=1, random_state=1),
                            "cases": cohort.cases.sample(frac=1, random_state=2)})  # fmt: skip
    again = rc.reoffending_frequency(shuffled, horizons=(2, 5, 40), by="age_group").to_frame()
    pd.testing.assert_frame_equal(again, frame, check_exact=False, rtol=1e-12)


def test_arguments(cohorts):
    cohort = cohorts[0]
    with pytest.raises(rc.ArgumentError, match=r"criteria"):
        rc.reoffending_frequency(cohort, criteria=["nope"])
    with pytest.raises(rc.ArgumentError, match=r"by columns \['nope'\] not in cohort.persons"):
        rc.reoffending_frequency(cohort, by="nope")
    with pytest.raises(rc.ArgumentError, match=r"conf_type of a mean cumulative function"):
        rc.reoffending_frequency(cohort, conf_type="log-log")
    with pytest.raises(rc.ArgumentError, match=r"needs an in-memory Cohort"):
        rc.reoffending_frequency(cohort.persons)
    with pytest.raises(rc.ArgumentError, match=r"horizons"):
        rc.reoffending_frequency(cohort, horizons="2")

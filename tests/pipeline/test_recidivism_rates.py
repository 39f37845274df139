"""Cohort-level rates and the age profile, checked against lifelines and hand arithmetic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter

import recidive as rc

CRITERIA = ["general", "property", "violence", "drugs", "human_trafficking"]


@pytest.fixture(scope="module")
def cohort():
    return rc.build_cohort(rc.datasets.reference_registry(n_persons=4000, seed=7))


def _lifelines_rate(days, event, horizon_days):
    kmf = KaplanMeierFitter().fit(days, event)
    return 1.0 - float(kmf.survival_function_at_times(horizon_days).iloc[0])


def test_rates_equal_lifelines_per_criterion_and_group(cohort):
    rates = rc.recidivism_rates(cohort, CRITERIA, horizons=(2, 5), by=["age_group"]).to_frame()
    persons = cohort.persons
    for criterion in CRITERIA:
        for group in ["all", "<23", "23+"]:
            sub = persons if group == "all" else persons[persons["age_group"] == group]
            for horizon in (2, 5):
                expected = _lifelines_rate(
                    sub[f"{criterion}_days"], sub[f"{criterion}_event"], horizon * 365.25
                )
                row = rates[
                    (rates["criterion"] == criterion)
                    & (rates["age_group"] == group)
                    & (rates["horizon_years"] == horizon)
                ]
                assert len(row) == 1
                assert row["rate"].iloc[0] == pytest.approx(expected, abs=1e-12)
                assert row["n"].iloc[0] == len(sub)


def test_rates_satisfy_invariants(cohort):
    frame = rc.recidivism_rates(cohort, CRITERIA, horizons=range(1, 8), by=["age_band"]).to_frame()
    ok = frame[frame["status"] == "ok"]
    assert ((ok["rate"] >= 0) & (ok["rate"] <= 1)).all()
    # as R, the log-log interval is undefined (NaN) where no event has happened yet
    assert ok.loc[ok["ci_lower"].isna(), "rate"].eq(0).all()
    ok = ok.dropna(subset=["ci_lower", "ci_upper"])
    assert (ok["ci_lower"] <= ok["rate"] + 1e-15).all()
    assert (ok["rate"] <= ok["ci_upper"] + 1e-15).all()
    for _, curve in frame.groupby(["criterion", "age_band"], observed=True):
        curve = curve.sort_values("horizon_years")
        ok_curve = curve[curve["status"] == "ok"]
        assert (np.diff(ok_curve["rate"]) >= -1e-15).all()
        assert (np.diff(curve["n_at_risk"]) <= 0).all()
    # no criterion crosses into another: each has its own overall rows
    assert set(frame.loc[frame["age_band"] == "all", "criterion"]) == set(CRITERIA)


def test_rates_invariant_to_row_order(cohort):
    shuffled = cohort.persons.sample(frac=1.0, random_state=3).reset_index(drop=True)
    a = rc.survival_rates(cohort.persons, "general_days", "general_event", by=["sex"])
    b = rc.survival_rates(shuffled, "general_days", "general_event", by=["sex"])
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_horizon_past_follow_up_is_nan(cohort):
    with pytest.warns(rc.InsufficientFollowUpWarning, match="criterion=general at 30 years"):
        frame = rc.recidivism_rates(cohort, ["general"], horizons=(7, 30)).to_frame()
    late = frame[frame["horizon_years"] == 30].iloc[0]
    assert np.isnan(late["rate"]) and late["status"] == "insufficient_follow_up"


def test_unknown_criterion_and_column_are_clear_errors(cohort):
    with pytest.raises(
        rc.ArgumentError, match="criteria has unknown value\\(s\\) 'burglary'; use any of general"
    ):
        rc.recidivism_rates(cohort, ["burglary"])
    with pytest.raises(rc.ArgumentError, match="by columns \\['region'\\] not in cohort.persons"):
        rc.recidivism_rates(cohort, ["general"], by=["region"])


def test_age_profile_worked_by_hand(cohort):
    persons = cohort.persons
    young = persons["age_group"] == "<23"
    event = persons["general_event"] == 1
    profile = rc.age_profile(cohort, horizon_years=7)
    assert profile.n == len(persons)
    assert profile.share_young_offenders == pytest.approx(young.mean(), abs=1e-15)
    within = event & (persons["general_days"] <= 7 * 365.25)  # the same horizon
    assert profile.n_recidivists == within.sum()
    assert profile.share_young_recidivists_raw == pytest.approx(
        (young & within).sum() / within.sum(), abs=1e-15
    )
    f_young = _lifelines_rate(persons.loc[young, "general_days"], event[young], 7 * 365.25)
    f_old = _lifelines_rate(persons.loc[~young, "general_days"], event[~young], 7 * 365.25)
    p = young.mean()
    expected = p * f_young / (p * f_young + (1 - p) * f_old)
    assert profile.share_young_recidivists == pytest.approx(expected, abs=1e-12)
    assert profile.to_dict()["status"] == "ok"


def test_age_profile_interval_agrees_with_a_seeded_bootstrap():
    """The delta-method standard error of the corrected share against 400 bootstrap
    resamples of persons (seed 5): within 15%; the interval holds the estimate."""
    cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=3000, seed=21))
    profile = rc.age_profile(cohort, horizon_years=5)
    persons = cohort.persons
    young = (persons["age_group"] == "<23").to_numpy()
    days = persons["general_days"].to_numpy(float)
    event = persons["general_event"].to_numpy(int)
    rng = np.random.default_rng(5)
    shares = []
    for _ in range(400):
        i = rng.integers(0, len(persons), len(persons))
        y, d, e = young[i], days[i], event[i]
        f = [1 - rc.kaplan_meier(d[m], e[m]).at([5 * 365.25])["survival"].iloc[0] for m in (y, ~y)]
        p = y.mean()
        shares.append(p * f[0] / (p * f[0] + (1 - p) * f[1]))
    assert profile.std_err == pytest.approx(np.std(shares, ddof=1), rel=0.15)
    assert profile.ci_lower < profile.share_young_recidivists < profile.ci_upper
    assert profile.ci_upper - profile.ci_lower == pytest.approx(
        2 * 1.96 * profile.std_err, rel=0.05
    )


def test_age_profile_past_follow_up_is_nan(cohort):
    profile = rc.age_profile(cohort, horizon_years=40)
    assert np.isnan(profile.share_young_recidivists)
    assert profile.status == "insufficient_follow_up"

"""Results: follow-up limits, rates layout, metadata, immutability."""

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from recidive.errors import InsufficientFollowUpWarning
from recidive.estimation.competing_risks import cumulative_incidence
from recidive.estimation.horizon_rates import survival_rates
from recidive.estimation.kaplan_meier import KaplanMeier, kaplan_meier

from ._reference import DATA_DIR

SIM = pd.read_csv(DATA_DIR / "sim_competing.csv")


def test_no_estimate_past_the_end_of_follow_up():
    km = kaplan_meier([10, 20, 30], [1, 0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        at = km.at([30, 30.5, 100])
    assert at.status.tolist() == ["ok", "insufficient_follow_up", "insufficient_follow_up"]
    assert at.survival.iloc[0] == pytest.approx(2 / 3)
    assert at[["survival", "std_err", "ci_lower", "ci_upper"]].iloc[1:].isna().all().all()
    cif = cumulative_incidence([10, 20, 30], [1, 2, 0]).at([31])
    assert np.isnan(cif.cif[0]) and cif.status[0] == "insufficient_follow_up"


def test_rates_per_stratum_past_follow_up():
    df = SIM.assign(days=np.where(SIM.group == "c", np.minimum(SIM.days, 1000), SIM.days))
    with pytest.warns(InsufficientFollowUpWarning, match=r"of 12 rates are NaN .*group=all at 9"):
        rt = survival_rates(df, "days", "event", by=["group"], horizons=(2, 5, 9)).to_frame()
    c = rt[rt.group == "c"]
    assert c.status.tolist() == ["ok", "insufficient_follow_up", "insufficient_follow_up"]
    assert c.rate.iloc[1:].isna().all()
    assert (rt[rt.horizon_years == 9].status == "insufficient_follow_up").all()


def test_rates_match_kaplan_meier_and_layout():
    rt = survival_rates(SIM, "days", "event", by=["group", "sex"], horizons=(1, 2, 5))
    frame = rt.to_frame()
    assert list(frame.columns) == [
        "group",
        "sex",
        "horizon_years",
        "n",
        "n_events",
        "n_at_risk",
        "rate",
        "std_err",
        "ci_lower",
        "ci_upper",
        "status",
    ]
    assert (frame.iloc[:3][["group", "sex"]] == "all").all().all()
    assert len(frame) == 3 * (1 + 6)
    sub = SIM[(SIM.group == "b") & (SIM.sex == "M")]
    at = kaplan_meier(sub.days, sub.event).at(np.array([1, 2, 5]) * 365.25)
    got = frame[(frame.group == "b") & (frame.sex == "M")]
    np.testing.assert_allclose(got.rate, 1 - at.survival, atol=1e-14)
    np.testing.assert_allclose(got.ci_lower, 1 - at.ci_upper, atol=1e-14)
    np.testing.assert_allclose(got.n_at_risk, at.n_at_risk)
    np.testing.assert_allclose(
        got.n_events, [(sub.event[sub.days <= h * 365.25]).sum() for h in (1, 2, 5)]
    )
    ok = frame.status == "ok"
    assert ((frame.rate[ok] >= 0) & (frame.rate[ok] <= 1)).all()
    assert (frame.ci_lower[ok] <= frame.rate[ok] + 1e-12).all()
    assert (frame.groupby(["group", "sex"]).rate.apply(lambda r: r.is_monotonic_increasing)).all()
    assert rt.metadata["conf_type"] == "log-log" and rt.metadata["horizons"] == [1.0, 2.0, 5.0]


def test_rates_within_criterion_without_cross_criterion_row():
    long = pd.concat(
        [SIM.assign(criterion="general"), SIM.assign(criterion="violence", event=SIM.cause == 2)]
    )
    frame = survival_rates(
        long, "days", "event", by=["sex"], within=["criterion"], horizons=(2,)
    ).to_frame()
    assert frame.criterion.tolist() == ["general"] * 3 + ["violence"] * 3
    assert frame.sex.tolist() == ["all", "F", "M"] * 2
    no_overall = survival_rates(
        long, "days", "event", by=["sex"], within=["criterion"], overall=False
    )
    assert "all" not in no_overall.to_frame().sex.tolist()
    only = survival_rates(long, "days", "event", within=["criterion"], horizons=(2,)).to_frame()
    np.testing.assert_allclose(only.rate, frame[frame.sex == "all"].rate)


def test_time_units_convert_horizons():
    weeks = survival_rates(
        SIM.assign(w=SIM.days / 7), "w", "event", horizons=(2,), time_unit="weeks"
    )
    days = survival_rates(SIM, "days", "event", horizons=(2,))
    assert weeks.to_frame().rate[0] == pytest.approx(days.to_frame().rate[0], abs=1e-14)


def test_results_are_immutable_and_carry_metadata():
    km = KaplanMeier(conf_type="log", time_unit="days").fit(SIM.days, SIM.event).result_
    with pytest.raises(dataclasses.FrozenInstanceError):
        km.n = 3
    with pytest.raises(ValueError, match="read-only"):
        km.survival[0] = 0.5
    meta = km.metadata
    assert meta["n"] == len(SIM) and meta["n_events"] == SIM.event.sum()
    assert meta["conf_type"] == "log" and meta["time_unit"] == "days" and meta["version"]
    assert "Kaplan-Meier" in km._repr_html_()
    frame = km.to_frame()
    frame.loc[0, "survival"] = -1
    assert km.to_frame().survival[0] != -1

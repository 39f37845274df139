"""Kaplan-Meier, Aalen-Johansen, log-rank and Gray's test against committed R values.

References: ``tests/r/km_aj_logrank.R`` → ``km_aj_logrank.json`` (own simulated
data ``tests/data/sim_competing.csv`` and Rossi) and the shared
``rossi_r_survival.json``. Gray's test is compared to 1e-8 relative.
"""

import numpy as np
import pandas as pd
import pytest

from recidive.estimation.competing_risks import cumulative_incidence, gray_test
from recidive.estimation.kaplan_meier import kaplan_meier
from recidive.estimation.logrank import logrank_test

from ._reference import DATA_DIR, R_DIR, SHARED, arr, assert_close, load_json

TOL = 1e-10
REF = load_json(R_DIR / "km_aj_logrank.json")
SHARED_REF = load_json(SHARED / "rossi_r_survival.json")
SIM = pd.read_csv(DATA_DIR / "sim_competing.csv")
ROSSI = pd.read_csv(SHARED / "rossi.csv")
CONF_TYPES = ("log", "log-log", "plain")


def _km_input(name):
    if name == "rossi":
        return ROSSI.week, ROSSI.arrest, None
    if name == "sim_weighted":
        return SIM.days, SIM.event, SIM.weight
    if name.startswith("sim_group_"):
        sub = SIM[SIM.group == name[-1]]
        return sub.days, sub.event, None
    return SIM.days, SIM.event, None


KM_CASES = [(name, ct) for name in REF["km"] for ct in CONF_TYPES]


@pytest.mark.parametrize(("name", "conf_type"), KM_CASES)
def test_km_full_curve_equals_r(name, conf_type):
    time, event, weights = _km_input(name)
    ref = REF["km"][name][conf_type]["curve"]
    got = kaplan_meier(time, event, weights, conf_type=conf_type).to_frame()
    assert_close(got.time, ref["time"], 0, "time")
    assert_close(got.n_at_risk, ref["n_risk"], TOL, "n_at_risk")
    assert_close(got.n_events, ref["n_event"], TOL, "n_events")
    assert_close(got.n_censored, ref["n_censor"], TOL, "n_censored")
    assert_close(got.survival, ref["surv"], TOL, "survival")
    assert_close(got.std_err, ref["std_err_surv"], TOL, "std_err")
    assert_close(got.ci_lower, ref["lower"], TOL, "ci_lower")
    assert_close(got.ci_upper, ref["upper"], TOL, "ci_upper")


@pytest.mark.parametrize(("name", "conf_type"), KM_CASES)
def test_km_at_times_equals_r_summary(name, conf_type):
    time, event, weights = _km_input(name)
    ref = REF["km"][name][conf_type]["at"]
    got = kaplan_meier(time, event, weights, conf_type=conf_type).at(ref["time"])
    ok = got.status == "ok"
    for col, key in [("n_at_risk", "n_risk"), ("n_events", "n_event"), ("n_censored", "n_censor")]:
        assert_close(got[col], ref[key], TOL, col)
    for col, key in [
        ("survival", "surv"),
        ("std_err", "std_err_surv"),
        ("ci_lower", "lower"),
        ("ci_upper", "upper"),
    ]:
        assert_close(got[col][ok], arr(ref[key])[ok.to_numpy()], TOL, col)


@pytest.mark.parametrize(("name", "conf_type"), KM_CASES)
def test_km_quantiles_equal_r(name, conf_type):
    time, event, weights = _km_input(name)
    ref = REF["km"][name][conf_type]["quantile"]
    km = kaplan_meier(time, event, weights, conf_type=conf_type)
    got = np.array([km.quantile(p) for p in ref["probs"]])
    assert_close(got[:, 0], ref["quantile"], TOL, "quantile")
    assert_close(got[:, 1], ref["lower"], TOL, "lower")
    assert_close(got[:, 2], ref["upper"], TOL, "upper")


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("stratum", ["overall", "fin=0", "fin=1"])
def test_km_equals_shared_rossi_reference(conf_type, stratum):
    block = SHARED_REF["km"][conf_type]
    ref = block["overall"] if stratum == "overall" else block["by_fin"][stratum]
    data = ROSSI if stratum == "overall" else ROSSI[ROSSI.fin == int(stratum[-1])]
    got = kaplan_meier(data.week, data.arrest, conf_type=conf_type).at(ref["time"])
    assert_close(got.n_at_risk, ref["n_risk"], TOL, "n_at_risk")
    assert_close(got.survival, ref["surv"], TOL, "survival")
    assert_close(got.std_err, ref["std_err_surv"], TOL, "std_err")
    assert_close(got.ci_lower, ref["lower"], TOL, "ci_lower")
    assert_close(got.ci_upper, ref["upper"], TOL, "ci_upper")


@pytest.mark.parametrize("name", ["sim", "sim_group_a"])
def test_aalen_johansen_equals_r(name):
    data = SIM if name == "sim" else SIM[SIM.group == "a"]
    ref = REF["aj"][name]
    for cause in (1, 2):
        res = cumulative_incidence(data.days, data.cause, cause_of_interest=cause)
        curve = res.to_frame()
        assert_close(curve.time, ref["curve"]["time"], 0, "time")
        assert_close(curve.n_at_risk, ref["curve"]["n_risk"], TOL, "n_at_risk")
        assert_close(curve.cif, ref["curve"][f"cif_{cause}"], TOL, "cif")
        assert_close(curve.std_err, ref["curve"][f"se_{cause}"], TOL, "std_err")
        at = res.at(ref["at"]["time"])
        ok = (at.status == "ok").to_numpy()
        assert_close(at.cif[ok], arr(ref["at"][f"cif_{cause}"])[ok], TOL, "cif at")
        assert_close(at.std_err[ok], arr(ref["at"][f"se_{cause}"])[ok], TOL, "se at")
    curve = cumulative_incidence(data.days, data.cause).to_frame()
    assert_close(curve.ci_lower, ref["curve"]["lower_1"], TOL, "ci_lower")
    assert_close(curve.ci_upper, ref["curve"]["upper_1"], TOL, "ci_upper")


def test_aalen_johansen_equals_shared_mgus2_reference():
    ref = SHARED_REF["aalen_johansen_mgus2"]
    mg = pd.read_csv(SHARED / "mgus2.csv")
    for cause, name in [(1, "pcm"), (2, "death")]:
        at = cumulative_incidence(mg.etime, mg.event, cause).at(ref["time"])
        assert_close(at.cif, ref[f"cif_{name}"], TOL, name)
        assert_close(at.std_err, ref[f"se_{name}"], TOL, f"se {name}")
        assert_close(at.cif, ref["cmprsk_cuminc"][f"cif_{name}"], TOL, f"cmprsk {name}")
    at = cumulative_incidence(mg.etime, mg.event, 1).at(ref["time"])
    assert_close(at.ci_lower, ref["lower_pcm"], TOL, "lower")
    assert_close(at.ci_upper, ref["upper_pcm"], TOL, "upper")


LOGRANK = {
    "rossi_fin": (ROSSI.week, ROSSI.arrest, ROSSI.fin),
    "rossi_prio3": (ROSSI.week, ROSSI.arrest, np.minimum(ROSSI.prio, 3)),
    "sim_group": (SIM.days, SIM.event, SIM.group),
    "sim_sex": (SIM.days, SIM.event, SIM.sex),
}


@pytest.mark.parametrize("name", list(LOGRANK))
def test_logrank_equals_survdiff(name):
    ref = REF["logrank"][name]
    res = logrank_test(*LOGRANK[name])
    assert abs(res.statistic - ref["chisq"]) <= 1e-8
    assert res.df == ref["df"]
    assert abs(res.p_value - ref["p"]) <= 1e-10
    frame = res.to_frame()
    assert_close(frame.observed, ref["observed"], 1e-10, "observed")
    assert_close(frame.expected, ref["expected"], 1e-10, "expected")
    assert_close(frame.n, ref["n"], 0, "n")
    assert_close(res.variance.ravel(), np.array(ref["var"]).ravel(), 1e-10, "variance")


@pytest.mark.parametrize("name", ["sim_group", "sim_sex"])
def test_gray_test_equals_cmprsk(name):
    ref = REF["gray"][name]
    groups = SIM.group if name == "sim_group" else SIM.sex
    for stat, pv, df, cause in zip(ref["stat"], ref["pv"], ref["df"], ref["cause"], strict=True):
        res = gray_test(SIM.days, SIM.cause, groups, cause_of_interest=int(cause))
        assert res.statistic == pytest.approx(stat, rel=1e-10)
        assert res.p_value == pytest.approx(pv, rel=1e-8, abs=1e-15)
        assert res.df == df


def test_gray_test_on_mgus2_by_sex():
    # cmprsk::cuminc(mg$etime, mg$event, mg$sex)$Tests (R 4.2.2, cmprsk 2.2-11)
    mg = pd.read_csv(SHARED / "mgus2.csv")
    assert gray_test(mg.etime, mg.event, mg.sex, 1).statistic == pytest.approx(
        1.19450782507551, rel=1e-12
    )
    assert gray_test(mg.etime, mg.event, mg.sex, 2).statistic == pytest.approx(
        11.65125901212774, rel=1e-12
    )

"""Adjusted rates by exit year against R (``tests/r/adjusted_rates.R``).

Staggered exit years 2012-2019 with one cut-off: later cohorts are followed less long, and
the (year, horizon) cells past a year's follow-up are NaN with ``insufficient_follow_up``.
Point estimates of both methods within 1e-8 of R; the direct method's standard error within
1e-6 of ``riskRegression::ate`` where no event times are tied (ate's IF of the coefficients
departs from the Breslow score residual at tied times, see the JSON's ``meta.notes``): on the
tied days it equals the written-out influence function with the score residual
(``std_err_dfbeta``), and with ate's own form (``score="riskRegression"``) ate itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import recidive as rc
from recidive.estimation.adjusted_rates import _rate_table
from tests.estimation._reference import DATA_DIR, R_DIR, arr, assert_close, load_json

REF = load_json(R_DIR / "adjusted_rates.json")
COVARIATES = ["age", "sex", "log1p_prior_cases", "exploitation_form"]
HORIZONS = (2, 5, 7)
POINT, SE = 1e-8, 1e-6


@pytest.fixture(scope="module")
def data():
    d = pd.read_csv(DATA_DIR / "exit_cohorts.csv")
    d["log1p_prior_cases"] = np.log1p(d["prior_cases"])
    return d


def _adjusted(data, method="direct", duration="days", **kw):
    return rc.adjusted_rates(
        data, duration, "event", "exit_year", COVARIATES, HORIZONS, method=method, **kw
    ).to_frame()


def _check_rows(out, block):
    assert out["exit_year"].tolist() == block["exit_year"]
    assert out["horizon_years"].tolist() == [float(h) for h in block["horizon_years"]]
    assert out["status"].tolist() == block["status"]


@pytest.mark.parametrize(
    ("name", "kw"),
    [
        ("breslow_all", {"ties": "breslow"}),
        ("breslow_base", {"ties": "breslow", "reference": 2012}),
        ("untied_breslow_all", {"ties": "breslow", "duration": "days_untied"}),
        ("untied_breslow_base", {"ties": "breslow", "duration": "days_untied", "reference": 2012}),
        ("efron_all", {"ties": "efron"}),
        ("efron_base", {"ties": "efron", "reference": 2012}),
    ],
)
def test_direct_estimates_and_standard_errors_equal_r(data, name, kw):
    block = REF["direct"][name]
    out = _adjusted(data, **kw)
    _check_rows(out, block)
    assert_close(out["adjusted_rate"], block["estimate"], POINT, f"{name} estimate")
    assert out["expected_rate"].isna().all()
    if "std_err_dfbeta" in block:
        assert_close(out["std_err"], block["std_err_dfbeta"], SE, f"{name} std_err (IF)")
    if name.startswith("untied"):  # no ties: ate's own standard error
        assert_close(out["std_err"], block["std_err_ate"], SE, f"{name} std_err (ate)")


@pytest.mark.parametrize(
    ("name", "ties", "reference", "field"),
    [
        ("breslow_all", "breslow", None, "std_err_ate"),
        ("breslow_base", "breslow", 2012, "std_err_ate"),
        ("efron_all", "efron", None, "std_err_ate_efron_fit"),
    ],
)
def test_ates_own_tie_form_reproduces_ate_on_tied_days(data, name, ties, reference, field):
    times = np.array(HORIZONS) * 365.25
    table = _rate_table(
        data,
        "days",
        "event",
        "exit_year",
        COVARIATES,
        times,
        "direct",
        reference,
        ties,
        0.95,
        score="riskRegression",
    )
    assert_close(table["std_err"], REF["direct"][name][field], SE, f"{name} {field}")


@pytest.mark.parametrize(
    ("name", "kw"),
    [
        ("breslow_all", {"ties": "breslow"}),
        ("breslow_base", {"ties": "breslow", "reference": 2012}),
        ("efron_all", {"ties": "efron"}),
        ("efron_base", {"ties": "efron", "reference": 2012}),
    ],
)
def test_indirect_equals_r(data, name, kw):
    block = REF["indirect"][name]
    out = _adjusted(data, method="indirect", **kw)
    _check_rows(out, block)
    assert_close(out["observed_rate"], block["observed"], POINT, "observed")
    assert_close(out["expected_rate"], block["expected"], POINT, "expected")
    assert_close(out["adjusted_rate"], block["adjusted"], POINT, "adjusted")


def test_observed_rates_are_kaplan_meier_by_year(data):
    out = _adjusted(data, ties="breslow")
    km = REF["km"]["by_year"]["observed_rate"]
    # the observed rate is reported also where the adjusted one is not (R masks both)
    ok = out["status"] == "ok"
    assert_close(out.loc[ok, "observed_rate"], arr(km)[ok.to_numpy()], POINT, "KM")


def test_past_follow_up_is_nan_never_extrapolated(data):
    out = _adjusted(data, method="indirect")
    past = out["status"] == "insufficient_follow_up"
    assert past.sum() == 8  # 2015-2019 at 7 years, 2017-2019 at 5 years
    assert out.loc[past, ["adjusted_rate", "std_err", "ci_lower", "ci_upper"]].isna().all().all()
    years = out.loc[past & (out["horizon_years"] == 5), "exit_year"].tolist()
    assert years == [2017, 2018, 2019]


def test_indirect_standard_error_agrees_with_a_seeded_bootstrap(data):
    """The delta method (summed influence functions) against 60 bootstrap resamples."""
    out = rc.adjusted_rates(
        data, "days", "event", "exit_year", COVARIATES, (2,), method="indirect", ties="breslow"
    ).to_frame()
    rng = np.random.default_rng(20250701)
    draws = []
    for _ in range(60):
        sample = data.iloc[rng.integers(0, len(data), len(data))]
        boot = rc.adjusted_rates(
            sample,
            "days",
            "event",
            "exit_year",
            COVARIATES,
            (2,),
            "days",
            "indirect",
            ties="breslow",
        ).to_frame()
        draws.append(boot["adjusted_rate"].to_numpy())
    boot_se = np.std(draws, axis=0, ddof=1)
    ratio = out["std_err"].to_numpy() / boot_se
    assert np.all((ratio > 0.7) & (ratio < 1.4)), ratio


def test_direct_interval_is_wald_at_the_level(data):
    out = _adjusted(data, ties="breslow", conf_level=0.9)
    ok = out["status"] == "ok"
    z = 1.6448536269514722
    half = (out["ci_upper"] - out["ci_lower"]) / 2
    assert np.allclose(half[ok], z * out.loc[ok, "std_err"], rtol=1e-12)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"method": "both"}, "method must be one of"),
        ({"ties": "exact"}, "ties must be one of"),
        ({"reference": 2030}, "reference 2030 is not a level of 'exit_year'"),
        ({"horizons": (-1,)}, "horizons"),
        ({"time_unit": "hours"}, "time_unit must be one of"),
        ({"covariates": ["age", "exit_year"]}, "also among the covariates"),
        ({"covariates": ["age", "region"]}, "not in the frame"),
    ],
)
def test_argument_errors_name_the_fix(data, kw, message):
    args = {"covariates": COVARIATES, **kw}
    with pytest.raises(rc.ArgumentError, match=message):
        rc.adjusted_rates(data, "days", "event", "exit_year", **args)

"""Kaplan-Meier, Aalen-Johansen and rates with delayed entry (entry, time] against R.

References: ``tests/r/counting_process.R`` -> ``counting_process.json`` on
``tests/data/counting_process.csv`` (891 (start, stop] rows, heavy ties, gaps, delayed
entry) and ``counting_process_person.csv`` (one row per person, a competing cause).
R's conventions are in the JSON's ``meta.notes``: at risk when entry < t <= stop; the
curve's times are the stop times; ``summary(times=)`` reports the next stop time's
``n.risk`` (recidive reports the risk set at t itself, tested against a direct count).
"""

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from recidive import ArgumentError, cumulative_incidence_by, kaplan_meier_by, survival_rates
from recidive.errors import InsufficientFollowUpWarning
from recidive.estimation.competing_risks import cumulative_incidence
from recidive.estimation.kaplan_meier import kaplan_meier
from recidive.estimation.risk_table import risk_table

from ._reference import DATA_DIR, R_DIR, arr, assert_close, load_json

TOL = 1e-10
REF = load_json(R_DIR / "counting_process.json")
CP = pd.read_csv(DATA_DIR / "counting_process.csv")
PERSON = pd.read_csv(DATA_DIR / "counting_process_person.csv")
CONF_TYPES = ("log", "log-log", "plain")
# name in the JSON -> (data, entry, exit, weights, stratum)
KM_SETS = {
    "intervals": (CP, "start", "stop", None, None),
    "intervals_weighted": (CP, "start", "stop", "weight", None),
    "intervals_stratum_s1": (CP, "start", "stop", None, "s1"),
    "intervals_stratum_s2": (CP, "start", "stop", None, "s2"),
    "person": (PERSON, "entry", "exit", None, None),
    "person_weighted": (PERSON, "entry", "exit", "weight", None),
    "person_stratum_s1": (PERSON, "entry", "exit", None, "s1"),
    "person_stratum_s2": (PERSON, "entry", "exit", None, "s2"),
}
KM_CASES = [(name, ct) for name in KM_SETS for ct in CONF_TYPES]


def _km(name, conf_type):
    """The curve of a reference set: stratified sets through ``kaplan_meier_by``."""
    data, entry, stop, weights, stratum = KM_SETS[name]
    if stratum is not None:
        curves = kaplan_meier_by(data, stop, "event", by=["stratum"], conf_type=conf_type,
                                 entry=entry)  # fmt: skip
        return curves[stratum], data[data.stratum == stratum], entry, stop
    w = None if weights is None else data[weights]
    km = kaplan_meier(data[stop], data["event"], w, conf_type=conf_type, entry=data[entry])
    return km, data, entry, stop


def _risk_set(data, entry, stop, t, weights=None):
    """The risk set at each t, counted directly: rows with entry < t <= stop."""
    w = np.ones(len(data)) if weights is None else data[weights].to_numpy(float)
    e, s = data[entry].to_numpy()[:, None], data[stop].to_numpy()[:, None]
    return (w[:, None] * ((e < t) & (t <= s))).sum(axis=0)


@pytest.mark.parametrize(("name", "conf_type"), KM_CASES)
def test_km_with_entry_equals_r(name, conf_type):
    km, *_ = _km(name, conf_type)
    ref = REF["km"][name][conf_type]["curve"]
    got = km.to_frame()
    assert_close(got.time, ref["time"], 0, "time")
    assert_close(got.n_at_risk, ref["n_risk"], TOL, "n_at_risk")
    assert_close(got.n_events, ref["n_event"], TOL, "n_events")
    assert_close(got.n_censored, ref["n_censor"], TOL, "n_censored")
    assert_close(got.survival, ref["surv"], TOL, "survival")
    assert_close(got.std_err, ref["std_err_surv"], TOL, "std_err")
    assert_close(got.ci_lower, ref["lower"], TOL, "ci_lower")
    assert_close(got.ci_upper, ref["upper"], TOL, "ci_upper")


@pytest.mark.parametrize(("name", "conf_type"), KM_CASES)
def test_km_at_times_with_entry(name, conf_type):
    """Estimates equal R's summary(times=) within follow-up; n_at_risk is the risk set at t
    (a direct count), which is R's n.risk at stop times."""
    km, data, entry, stop = _km(name, conf_type)
    ref = REF["km"][name][conf_type]["at"]
    t = np.array(ref["time"], dtype=float)
    got = km.at(t)
    ok = (got.status == "ok").to_numpy()
    assert (t[~ok] > km.time.max()).all()
    for col, key in [("survival", "surv"), ("std_err", "std_err_surv"), ("ci_lower", "lower"),
                     ("ci_upper", "upper")]:  # fmt: skip
        assert_close(got[col][ok], arr(ref[key])[ok], TOL, col)
    assert got.loc[~ok, ["survival", "std_err"]].isna().all().all()
    for col, key in [("n_events", "n_event"), ("n_censored", "n_censor")]:
        assert_close(got[col], ref[key], TOL, col)
    weights = KM_SETS[name][3]
    assert_close(got.n_at_risk, _risk_set(data, entry, stop, t, weights), TOL, "n_at_risk")
    at_stop = np.isin(t, km.time)
    assert_close(got.n_at_risk[at_stop], arr(ref["n_risk"])[at_stop], TOL, "R n.risk")


@pytest.mark.parametrize(("name", "conf_type"), KM_CASES)
def test_km_quantiles_with_entry_equal_r(name, conf_type):
    km, *_ = _km(name, conf_type)
    ref = REF["km"][name][conf_type]["quantile"]
    got = np.array([km.quantile(p) for p in ref["probs"]])
    assert_close(got[:, 0], ref["quantile"], TOL, "quantile")
    assert_close(got[:, 1], ref["lower"], TOL, "lower")
    assert_close(got[:, 2], ref["upper"], TOL, "upper")


@pytest.mark.parametrize("cause", [1, 2])
def test_aalen_johansen_with_entry_equals_r(cause):
    """Estimates and R's infinitesimal-jackknife standard errors with delayed entry."""
    ref = REF["aj"]["person"]
    res = cumulative_incidence(PERSON.exit, PERSON.cause, cause, entry=PERSON.entry)
    got, curve = res.to_frame(), ref["curve"]
    assert_close(got.time, curve["time"], 0, "time")
    assert_close(got.n_at_risk, curve["n_risk"], TOL, "n_at_risk")
    assert_close(got.n_events, curve[f"n_event_{cause}"], TOL, "n_events")
    assert_close(got.cif, curve[f"cif_{cause}"], TOL, "cif")
    assert_close(got.std_err, curve[f"se_{cause}"], TOL, "std_err")
    if cause == 1:
        assert_close(got.ci_lower, curve["lower_1"], TOL, "ci_lower")
        assert_close(got.ci_upper, curve["upper_1"], TOL, "ci_upper")
    at = res.at(ref["at"]["time"])
    ok = (at.status == "ok").to_numpy()
    assert_close(at.cif[ok], arr(ref["at"][f"cif_{cause}"])[ok], TOL, "cif at")
    assert_close(at.std_err[ok], arr(ref["at"][f"se_{cause}"])[ok], TOL, "std_err at")
    assert_close(at.n_at_risk, _risk_set(PERSON, "entry", "exit", at.time.to_numpy()), TOL, "risk")


def test_aalen_johansen_entry_with_weights_is_the_expanded_data():
    """R's weights are sampling weights: the estimate is R's, the IJ SE the expanded data's."""
    ref = REF["aj"]["person_weighted"]["curve"]
    res = cumulative_incidence(PERSON.exit, PERSON.cause, 1, weights=PERSON.weight,
                               entry=PERSON.entry).to_frame()  # fmt: skip
    assert_close(res.cif, ref["cif_1"], TOL, "cif")
    big = PERSON.loc[PERSON.index.repeat(PERSON.weight)]
    expanded = cumulative_incidence(big.exit, big.cause, 1, entry=big.entry).to_frame()
    assert_close(res.std_err, expanded.std_err.to_numpy(), 1e-12, "std_err")


def test_aalen_johansen_entry_at_zero_is_the_closed_form():
    """The row-pass variance with every entry at 0 is the risk-table (closed-form) one."""
    plain = cumulative_incidence(PERSON.exit, PERSON.cause, 1).to_frame()
    zero = cumulative_incidence(PERSON.exit, PERSON.cause, 1, entry=np.zeros(len(PERSON)))
    assert_close(zero.to_frame().std_err, plain.std_err.to_numpy(), 1e-13, "std_err")


def test_survival_rates_with_entry_equal_one_minus_km():
    horizons = (1, 3, 7.5, 10, 20, 39, 50)
    with pytest.warns(InsufficientFollowUpWarning, match="at 50 years"):
        rates = survival_rates(CP, "stop", "event", by=["stratum"], horizons=horizons,
                               time_unit="years", entry="start", conf_type="log").to_frame()  # fmt: skip
    for stratum, name in (("all", "intervals"), ("s1", "intervals_stratum_s1")):
        rows = rates[rates.stratum == stratum]
        ref = REF["km"][name]["log"]["curve"]
        time, surv = np.array(ref["time"]), arr(ref["surv"])
        idx = np.searchsorted(time, horizons, side="right") - 1
        past = np.array(horizons) > time[-1]
        expect = np.where(past, np.nan, 1 - surv[idx])
        assert_close(rows.rate, expect, TOL, f"rate {stratum}")
        data = CP if stratum == "all" else CP[CP.stratum == stratum]
        risk = _risk_set(data, "start", "stop", np.array(horizons, dtype=float))
        assert_close(rows.n_at_risk, risk, TOL, f"n_at_risk {stratum}")
        assert (rows.status.to_numpy() == np.where(past, "insufficient_follow_up", "ok")).all()


def test_risk_table_with_entry_adds_up():
    """Tables of parts add up to the table of the whole, entries included."""
    whole = risk_table(CP.stop, CP.event, strata=CP.stratum, entry=CP.start)
    a, b = CP.iloc[::2], CP.iloc[1::2]
    parts = risk_table(a.stop, a.event, strata=a.stratum, entry=a.start) + risk_table(
        b.stop, b.event, strata=b.stratum, entry=b.start
    )
    pd.testing.assert_frame_equal(whole.to_frame(), parts.to_frame())
    pooled = whole.pool().to_frame()
    direct = risk_table(CP.stop, CP.event, entry=CP.start).to_frame()
    np.testing.assert_array_equal(pooled.n_at_risk, direct.n_at_risk)


def test_float_and_integer_times_agree():
    km_int = kaplan_meier(CP.stop, CP.event, entry=CP.start).to_frame()
    km_float = kaplan_meier(CP.stop + 0.0, CP.event, entry=CP.start + 0.0).to_frame()
    pd.testing.assert_frame_equal(km_int, km_float, check_dtype=False)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ([0, 5, 1], r"entry is not before time in 1 rows \(rows 1; row 1: entry 5, time 5\)"),
        ([0, -1, 1], r"entry has negative values in 1 rows"),
        ([0, 1], r"entry has 2 values but time has 3"),
        ([0, np.nan, 1], r"entry has NaN or infinite values in 1 rows"),
    ],
)
def test_entry_errors(entry, message):
    with pytest.raises(ArgumentError, match=message):
        kaplan_meier([3, 5, 7], [1, 0, 1], entry=entry)


def test_dask_with_entry_equals_memory():
    """KM, rates and AJ (its IJ SE a second pass over the partitions) on Dask with entry."""
    with dask.config.set(scheduler="synchronous"):
        ddf = dd.from_pandas(PERSON, npartitions=4)
        for label, curve in kaplan_meier_by(ddf, "exit", "event", by=["stratum"],
                                            entry="entry").items():  # fmt: skip
            expected = kaplan_meier_by(PERSON, "exit", "event", by=["stratum"], entry="entry")
            pd.testing.assert_frame_equal(curve.to_frame(), expected[label].to_frame())
        got = cumulative_incidence_by(ddf, "exit", "cause", by=["stratum"], entry="entry")
        expected = cumulative_incidence_by(PERSON, "exit", "cause", by=["stratum"], entry="entry")
        for label, curve in expected.items():
            pd.testing.assert_frame_equal(got[label].to_frame(), curve.to_frame(), rtol=1e-12)
        rates = survival_rates(ddf, "exit", "event", by=["stratum"], horizons=(1, 10, 20),
                               time_unit="years", entry="entry").to_frame()  # fmt: skip
        memory = survival_rates(PERSON, "exit", "event", by=["stratum"], horizons=(1, 10, 20),
                                time_unit="years", entry="entry").to_frame()  # fmt: skip
        pd.testing.assert_frame_equal(rates, memory)


def test_entry_column_errors_name_the_columns():
    bad = CP.assign(start=CP["stop"])
    with pytest.raises(ArgumentError, match=r"start is not before stop in 891 rows"):
        kaplan_meier_by(bad, "stop", "event", by=["stratum"], entry="start")
    with pytest.raises(ArgumentError, match=r"column 'nope' not in the frame"):
        survival_rates(CP, "stop", "event", entry="nope")

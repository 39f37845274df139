"""The mean cumulative function and the test of equal MCFs against R survival and by hand.

References: ``tests/r/mcf.json`` (``tests/r/mcf.R``: ``survfit(Surv(start, stop, event) ~ 1,
id = id, robust = TRUE)``, its ``summary(times=)``, and tests of equal MCFs) and
``tests/r/mcf_weights.json`` (``tests/r/mcf_weights.R``: the same on data with each person
repeated ``weight`` times, the meaning of recidive's frequency weights, and a three-group
test). Property tests are in ``test_mean_cumulative_properties.py``.
"""

from __future__ import annotations

import dataclasses
import doctest
import re

import numpy as np
import pandas as pd
import pytest

import recidive as rc
from recidive.errors import ArgumentError
from recidive.estimation import _person_rows, mcf_equality, mean_cumulative
from recidive.estimation._confint import z_value

from ._reference import DATA_DIR, R_DIR, arr, assert_close, load_json

REF = load_json(R_DIR / "mcf.json")
REF_W = load_json(R_DIR / "mcf_weights.json")
TOL = 1e-10


@pytest.fixture(scope="module")
def cgd() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "cgd.csv").rename(
        columns={"tstart": "start", "tstop": "stop", "status": "event"}
    )


@pytest.fixture(scope="module")
def intervals() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "counting_process.csv")


@pytest.fixture(scope="module")
def tiny() -> pd.DataFrame:
    return pd.DataFrame(REF["tiny_data"])


def _data(name, cgd, intervals, tiny):
    return {"cgd": cgd, "intervals": intervals, "tiny": tiny}[name]


def _fit(df: pd.DataFrame, weights: bool = False) -> rc.MCFResult:
    return rc.mean_cumulative_function(
        df["stop"], df["event"], df["id"], entry=df["start"],
        weights=df["weight"] if weights else None,
    )  # fmt: skip


def _assert_curve(result: rc.MCFResult, ref: dict, what: str) -> None:
    frame = result.to_frame()
    assert_close(frame["time"], ref["time"], 0, f"{what} time")
    assert_close(frame["mcf"], ref["mcf"], TOL, f"{what} mcf")
    assert_close(frame["std_err"], ref["std_err"], TOL, f"{what} std_err")
    assert_close(frame["n_at_risk"], ref["n_risk"], 0, f"{what} n_at_risk")
    assert_close(frame["n_events"], ref["n_event"], 0, f"{what} n_events")


# ---------------------------------------------------------------- against R
@pytest.mark.parametrize("name", ["cgd", "intervals", "tiny"])
def test_curve_equals_r_survfit_with_id(name, cgd, intervals, tiny):
    """cumhaz and the robust std.chaz of survfit(..., id = id, robust = TRUE), every stop time."""
    _assert_curve(_fit(_data(name, cgd, intervals, tiny)), REF["mcf"][name]["curve"], name)


@pytest.mark.parametrize(("name", "by"), [("cgd", "treat"), ("intervals", "stratum")])
def test_curves_by_group_equal_r(name, by, cgd, intervals, tiny):
    df = _data(name, cgd, intervals, tiny)
    curves = rc.mean_cumulative_function_by(df, "stop", "event", "id", by=by, entry="start")
    expected = sorted(k for k in REF["mcf"] if k.startswith(f"{name}_{by}_"))
    assert [f"{name}_{by}_{label}" for label in curves] == expected
    for label, result in curves.items():
        _assert_curve(result, REF["mcf"][f"{name}_{by}_{label}"]["curve"], f"{name} {label}")


@pytest.mark.parametrize(
    "form", ["sorted", "shuffled", "text ids", "float times", "wide ids", "huge ids"]
)
def test_every_sort_route_gives_r_numbers(form, cgd):
    """Rows in person order are not sorted; integer days are sorted as packed keys, wide
    ids as a combined key, huge ids and float times with lexsort: the same curve."""
    df = cgd.sort_values(["id", "stop"])
    if form != "sorted":
        df = df.sample(frac=1.0, random_state=7)
    if form == "text ids":
        df = df.assign(id="p" + df["id"].astype(str))
    elif form == "float times":
        df = df.assign(start=df["start"] + 0.0, stop=df["stop"] + 0.0)
    elif form in ("wide ids", "huge ids"):
        df = df.assign(id=df["id"].astype(np.int64) * (10**13 if form == "wide ids" else 10**16))
    _assert_curve(_fit(df), REF["mcf"]["cgd"]["curve"], form)


@pytest.mark.parametrize("name", ["cgd", "intervals", "tiny"])
def test_values_at_times_equal_r_summary_within_follow_up(name, cgd, intervals, tiny):
    """summary(fit, times=): mcf, std_err and interval event counts; n_at_risk where both
    count the same set (at stop times); NaN where R carries the last value forward."""
    result = _fit(_data(name, cgd, intervals, tiny))
    ref = REF["mcf"][name]["at"]
    at = result.at(ref["time"])
    within = at["time"].to_numpy() <= result.time[-1]
    assert within.sum() < within.size  # every block asks past the end too
    assert_close(at["mcf"][within], arr(ref["mcf"])[within], TOL, "mcf")
    assert_close(at["std_err"][within], arr(ref["std_err"])[within], TOL, "std_err")
    assert_close(at["n_events"][within], arr(ref["n_event"])[within], 0, "n_events")
    assert at.loc[~within, ["mcf", "std_err", "ci_lower", "ci_upper"]].isna().all().all()
    assert (at["status"] == np.where(within, "ok", "insufficient_follow_up")).all()
    at_stop = np.isin(at["time"], result.time)
    assert at_stop.sum() >= 2
    assert_close(at["n_at_risk"][at_stop], arr(ref["n_risk"])[at_stop], 0, "n_at_risk")


def test_std_err_is_the_lawless_nadeau_variance_computed_directly(tiny):
    ref = REF["tiny_lawless_nadeau"]
    frame = _fit(tiny).to_frame()
    assert_close(frame["mcf"], ref["mcf"], TOL, "mcf")
    assert_close(frame["std_err"], ref["std_err"], TOL, "std_err")


@pytest.mark.parametrize("name", ["intervals", "tiny"])
def test_frequency_weights_equal_r_on_the_expanded_data(name, cgd, intervals, tiny):
    """A person of weight w is w persons: equal to survfit on the data repeated w times."""
    df = _data(name, cgd, intervals, tiny)
    result = _fit(df, weights=True)
    assert result.weighted
    _assert_curve(result, REF_W["mcf_expanded"][name], f"{name} weighted")
    assert result.n == df.groupby("id")["weight"].first().sum()


def test_weights_differ_from_r_sampling_weights_only_in_the_variance(intervals, tiny):
    """R's weights= put w inside the square (sum (w D)^2): same MCF, other standard error."""
    for df, name in ((intervals, "intervals_weighted"), (tiny, "tiny_weighted")):
        frame = _fit(df, weights=True).to_frame()
        r_weighted = REF["mcf"][name]["curve"]
        assert_close(frame["mcf"], r_weighted["mcf"], TOL, f"{name} mcf")
        assert np.abs(frame["std_err"] - arr(r_weighted["std_err"])).max() > 0.05
    assert_close(
        _fit(tiny, weights=True).to_frame()["std_err"],
        REF["tiny_lawless_nadeau_weighted"]["std_err_freq"], TOL, "sum_i w_i D_i^2",
    )  # fmt: skip


# ---------------------------------------------------------------- the test of equal MCFs
@pytest.mark.parametrize(
    ("name", "group", "ref_name"),
    [("cgd", "treat", "cgd_treat"), ("intervals", "stratum", "intervals_stratum"),
     ("tiny", "group", "tiny_group")],
)  # fmt: skip
def test_equal_mcf_test_equals_the_pooled_robust_score_test(name, group, ref_name, cgd,
                                                            intervals, tiny):  # fmt: skip
    """Cook-Lawless-Nadeau with pooled-rate residuals = coxph(~ group + cluster(id),
    ties = "breslow")$rscore; U = observed - expected of the first group, V its variance."""
    df = _data(name, cgd, intervals, tiny)
    result = rc.mcf_equality_test(df["stop"], df["event"], df["id"], df[group], entry=df["start"])
    ref = REF["equal_mcf_tests"][ref_name]
    pooled = ref["robust_pooled"]
    assert result.df == 1
    assert_close(result.statistic, pooled["statistic"], TOL, "statistic")
    assert_close(result.p_value, pooled["p"], TOL, "p")
    if "andersen_gill_breslow" in ref:
        assert_close(result.statistic, ref["andersen_gill_breslow"]["robust_score"], TOL, "AG")
    frame = result.to_frame()
    assert frame["group"].tolist() == ref["groups"]
    u = frame["observed"] - frame["expected"]
    assert_close(u.iloc[0], pooled["u"], TOL, "u")
    assert_close(u.sum(), 0.0, TOL, "u sums to 0")
    assert_close(result.variance[0, 0], pooled["variance"], TOL, "variance")
    # the groupwise (reda) variant is another number: the choice is visible
    assert abs(result.statistic - ref["robust_groupwise"]["statistic"]) > 1e-3


def test_equal_mcf_test_with_three_groups_and_with_weights(intervals, tiny):
    """df = groups - 1; frequency weights equal coxph's rscore on the expanded data."""
    df = intervals
    three = rc.mcf_equality_test(df["stop"], df["event"], df["id"], df["factor3"],
                                 entry=df["start"])  # fmt: skip
    ref = REF_W["equal_mcf_tests"]["intervals_factor3"]
    assert three.df == ref["df"] == 2
    assert_close(three.statistic, ref["statistic"], TOL, "statistic")
    assert_close(three.p_value, ref["p_value"], TOL, "p")
    for data, group, name in ((intervals, "stratum", "intervals_stratum"),
                              (intervals, "factor3", "intervals_factor3"),
                              (tiny, "group", "tiny_group")):  # fmt: skip
        result = rc.mcf_equality_test(data["stop"], data["event"], data["id"], data[group],
                                      entry=data["start"], weights=data["weight"])  # fmt: skip
        ref = REF_W["equal_mcf_tests_expanded"][name]
        assert result.df == ref["df"]
        assert_close(result.statistic, ref["statistic"], TOL, f"{name} statistic")
        assert_close(result.p_value, ref["p_value"], TOL, f"{name} p")
        assert result.weighted


# ---------------------------------------------------------------- by hand
def test_hand_worked_case():
    """Three persons, worked out by hand (not from R).

    A: (0, 2] event, (2, 4] event.  B: (0, 2] event, not at risk on (2, 3], (3, 5] no event.
    C: enters at 1, (1, 4] event.   Stop times 2, 4, 5.

    t = 2: at risk A, B, C (Y = 3), events A, B (dN = 2): dL = 2/3, MCF = 2/3.
           D_A = D_B = (1 - 2/3)/3 = 1/9, D_C = (0 - 2/3)/3 = -2/9;
           V = 1/81 + 1/81 + 4/81 = 6/81.
    t = 4: at risk A (2, 4], B (3, 5], C (Y = 3), events A, C: dL = 2/3, MCF = 4/3.
           D_A = 1/9 + 1/9 = 2/9, D_B = 1/9 - 2/9 = -1/9, D_C = -2/9 + 1/9 = -1/9;
           V = 4/81 + 1/81 + 1/81 = 6/81. (Rows taken as persons would give 8/81, the
           Poisson variance sum dN / Y^2 is 4/9.)
    t = 5: at risk B only (Y = 1), no event: MCF and V unchanged.
    At t = 1 only A and B are at risk (C enters at 1: an entry at t is not at risk at t);
    at t = 3 only A (2, 4] and C (1, 4] (B is in its gap; R's summary would report 3, the
    count at the next stop time); at t = 4.5 only B.
    The log interval at t = 2: (2/3) exp(±z sqrt(6/81) / (2/3)).
    """
    result = rc.mean_cumulative_function(
        stop=[2, 4, 2, 5, 4], event=[1, 1, 1, 0, 1], id=["A", "A", "B", "B", "C"],
        entry=[0, 2, 0, 3, 1],
    )  # fmt: skip
    frame = result.to_frame()
    se = np.sqrt(6 / 81)
    np.testing.assert_allclose(frame["time"], [2, 4, 5])
    np.testing.assert_allclose(frame["n_at_risk"], [3, 3, 1])
    np.testing.assert_allclose(frame["n_events"], [2, 2, 0])
    np.testing.assert_allclose(frame["mcf"], [2 / 3, 4 / 3, 4 / 3], rtol=1e-14)
    np.testing.assert_allclose(frame["std_err"], [se, se, se], rtol=1e-13)
    z = z_value(0.95)
    np.testing.assert_allclose(
        frame.loc[0, ["ci_lower", "ci_upper"]].to_numpy(float),
        [2 / 3 * np.exp(-z * se / (2 / 3)), 2 / 3 * np.exp(z * se / (2 / 3))], rtol=1e-13,
    )  # fmt: skip
    at = result.at([1, 3, 4.5, 6])
    np.testing.assert_allclose(at["n_at_risk"], [2, 2, 1, 0])
    np.testing.assert_allclose(at["mcf"][:3], [0, 2 / 3, 4 / 3], rtol=1e-14)
    assert at["status"].tolist() == ["ok", "ok", "ok", "insufficient_follow_up"]
    assert np.isnan(at["mcf"].iloc[3])
    assert (result.n, result.n_events, result.n_rows) == (3.0, 4.0, 5)


def test_hand_worked_case_with_a_frequency_weight():
    """C of the case above with weight 2 (two persons alike).

    t = 2: Y = 4, dN = 2, dL = 1/2; D_A = D_B = (1 - 1/2)/4 = 1/8, D_C = (0 - 1/2)/4 = -1/8.
    Frequency weights: V = 1/64 + 1/64 + 2 (1/8)^2 = 4/64, SE 1/4. (R's sampling weights:
    1/64 + 1/64 + (2/8)^2 = 6/64.)
    """
    result = rc.mean_cumulative_function(
        stop=[2, 4, 2, 5, 4], event=[1, 1, 1, 0, 1], id=["A", "A", "B", "B", "C"],
        entry=[0, 2, 0, 3, 1], weights=[1, 1, 1, 1, 2],
    )  # fmt: skip
    first = result.to_frame().iloc[0]
    assert (first["n_at_risk"], first["mcf"]) == (4.0, 0.5)
    np.testing.assert_allclose(first["std_err"], 0.25, rtol=1e-14)
    assert result.n == 4.0


# ---------------------------------------------------------------- the result object
def test_result_is_immutable_data_with_metadata(tiny):
    result = _fit(tiny)
    frame = result.to_frame()
    assert tuple(frame.columns) == mean_cumulative.COLUMNS
    frame.loc[0, "mcf"] = 99.0
    assert result.to_frame().loc[0, "mcf"] != 99.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.n = 1  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        result.mcf[0] = 1.0
    meta = result.metadata
    assert meta["estimator"] == "mean_cumulative_function"
    assert meta["variance"] == "lawless_nadeau"
    assert (meta["n"], meta["n_events"], meta["n_rows"]) == (4.0, 9.0, 11)
    assert (meta["conf_type"], meta["conf_level"]) == ("log", 0.95)
    assert meta["version"] == rc.__version__
    assert "Mean cumulative function" in result._repr_html_()
    assert repr(result).startswith("MCFResult(n=4, n_events=9")
    assert tuple(result.at([2, 1]).columns) == (*mean_cumulative.COLUMNS, "status")
    assert result.at([2, 1])["time"].tolist() == [1.0, 2.0]


def test_confidence_intervals(intervals):
    log = _fit(intervals).to_frame()
    assert (log["ci_lower"] <= log["mcf"]).all() and (log["mcf"] <= log["ci_upper"]).all()
    plain = rc.mean_cumulative_function(
        intervals["stop"], intervals["event"], intervals["id"], entry=intervals["start"],
        conf_type="plain", conf_level=0.9,
    ).to_frame()  # fmt: skip
    z = z_value(0.9)
    np.testing.assert_allclose(plain["ci_upper"], plain["mcf"] + z * plain["std_err"])
    np.testing.assert_allclose(
        plain["ci_lower"], np.maximum(plain["mcf"] - z * plain["std_err"], 0.0)
    )
    # before the first event: MCF 0 and both limits 0 (log and plain)
    at = rc.mean_cumulative_function([5, 5], [1, 0], [1, 2]).at([1])
    assert at[["mcf", "std_err", "ci_lower", "ci_upper"]].to_numpy().tolist() == [[0.0] * 4]


def test_by_with_a_group_that_changes_over_follow_up():
    """A person moving between groups counts in each, as one person, with the rows spent there."""
    df = pd.DataFrame({
        "id": [1, 1, 1, 2, 2, 3], "start": [0, 2, 5, 0, 3, 1], "stop": [2, 5, 7, 3, 6, 4],
        "event": [1, 1, 0, 1, 1, 0], "phase": ["a", "b", "a", "a", "b", "b"],
    })  # fmt: skip
    curves = rc.mean_cumulative_function_by(df, "stop", "event", "id", "phase", entry="start")
    for label, result in curves.items():
        part = df[df["phase"] == label]
        alone = rc.mean_cumulative_function(part["stop"], part["event"], part["id"],
                                            entry=part["start"])  # fmt: skip
        pd.testing.assert_frame_equal(result.to_frame(), alone.to_frame())
    assert curves["a"].n == 2.0 and curves["b"].n == 3.0
    test = rc.mcf_equality_test(df["stop"], df["event"], df["id"], df["phase"], entry=df["start"])
    assert test.to_frame()["n"].tolist() == [2.0, 3.0]


def test_by_none_gives_the_overall_curve(cgd):
    curves = rc.mean_cumulative_function_by(cgd, "stop", "event", "id", None, entry="start")
    assert list(curves) == ["all"]
    _assert_curve(curves["all"], REF["mcf"]["cgd"]["curve"], "by=None")


def test_by_several_columns_gives_tuple_labels(intervals):
    curves = rc.mean_cumulative_function_by(
        intervals, "stop", "event", "id", by=["stratum", "factor3"], entry="start",
        weights="weight",
    )  # fmt: skip
    assert list(curves) == [(s, f) for s in ("s1", "s2") for f in ("a", "b", "c")]
    assert sum(r.n for r in curves.values()) == intervals.groupby("id")["weight"].first().sum()


# ---------------------------------------------------------------- argument errors
GOOD = {"stop": [2, 5, 4], "event": [1, 0, 1], "id": [1, 1, 2], "entry": [0, 2, 0]}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"entry": [0, 1, 0]},
            "rows of the same id overlap for 1 ids (id 1): id 1 has (0, 2] and (1, 5]; a "
            "person is at risk once at a time, so each id's (entry, stop] rows must not "
            "overlap: merge or split them",
        ),
        (
            {
                "stop": [2, 5, 4, 9, 7],
                "event": [1, 0, 1, 0, 0],
                "id": ["a", "a", "b", "c", "c"],
                "entry": [0, 1, 0, 0, 3],
            },
            "rows of the same id overlap for 2 ids (id 'a', 'c'): id 'a' has (0, 2] and "
            "(1, 5]; a person is at risk once at a time, so each id's (entry, stop] rows "
            "must not overlap: merge or split them",
        ),  # fmt: skip
        (
            {"stop": [2, -5, 4], "entry": None},
            "stop has negative values in 1 rows (rows 1); times are durations from the "
            "start of follow-up and must be >= 0",
        ),
        (
            {"entry": [0, -2, 0]},
            "entry has negative values in 1 rows (rows 1); times are durations from the "
            "start of follow-up and must be >= 0",
        ),
        (
            {"entry": [0, 5, 4]},
            "entry is not before stop in 2 rows (rows 1, 2; row 1: entry 5, stop 5); each "
            "row is an interval (entry, stop] with entry < stop: correct the times or drop "
            "the empty rows",
        ),
        ({"event": [1, 0]}, "event has 2 values but stop has 3; pass one value per row"),
        ({"id": [1, 1]}, "id has 2 values but stop has 3; pass one value per row"),
        ({"entry": [0, 2]}, "entry has 2 values but stop has 3; pass one value per row"),
        ({"weights": [1, 1]}, "weights has 2 values but stop has 3; pass one value per row"),
        (
            {"weights": [1, 2, 1]},
            "weights differ between rows of the same id for 1 ids (id 1); a frequency "
            "weight counts persons, so give every row of an id the same weight",
        ),
        (
            {"id": ["a", None, "b"]},
            "id is missing in 1 rows (rows 1); give every row the id of its person",
        ),
        (
            {"weights": [0, 0, 0]},
            "weights are all 0; give at least one person a positive weight",
        ),
        (
            {"stop": [2, 5, np.nan]},
            "stop has NaN or infinite values in 1 rows (rows 2); drop or fill those rows first",
        ),
        (
            {"conf_type": "log-log"},
            "conf_type of a mean cumulative function must be one of 'log', 'plain'; got 'log-log'",
        ),
        ({"conf_level": 1.5}, "conf_level must lie strictly between 0 and 1 (e.g. 0.95); got 1.5"),
    ],
)
def test_argument_errors_have_exact_messages(changes, message):
    kwargs = {**GOOD, **changes}
    with pytest.raises(ArgumentError, match=f"^{re.escape(message)}$"):
        rc.mean_cumulative_function(**kwargs)


def test_argument_errors_of_the_frame_form_and_the_test():
    with pytest.raises(ArgumentError, match=re.escape(
        "mean_cumulative_function_by columns 'e', 'i' not in the frame; available: s, g"
    )):  # fmt: skip
        rc.mean_cumulative_function_by(pd.DataFrame({"s": [1], "g": [1]}), "s", "e", "i", "g")
    with pytest.raises(ArgumentError, match=re.escape(
        "groups has 2 values but stop has 3; pass one value per row"
    )):  # fmt: skip
        rc.mcf_equality_test(GOOD["stop"], GOOD["event"], GOOD["id"], ["a", "b"])
    with pytest.raises(ArgumentError, match="rows of the same id overlap for 1 ids"):
        rc.mcf_equality_test(GOOD["stop"], GOOD["event"], GOOD["id"], ["a", "b", "b"])


def test_zero_weights_drop_persons_as_the_expanded_data_would():
    kept = rc.mean_cumulative_function([2, 5, 4], [1, 0, 1], [1, 1, 2], entry=[0, 2, 0])
    with_zero = rc.mean_cumulative_function(
        [2, 5, 4, 3], [1, 0, 1, 1], [1, 1, 2, 3], entry=[0, 2, 0, 0], weights=[1, 1, 1, 0]
    )
    pd.testing.assert_frame_equal(kept.to_frame(), with_zero.to_frame())


def test_docstring_examples_run():
    for module in (mean_cumulative, mcf_equality, _person_rows):
        failed, attempted = doctest.testmod(module)
        assert attempted > 0 and failed == 0, module.__name__

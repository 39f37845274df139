"""Properties of the mean cumulative function and the test of equal MCFs (hypothesis).

Random person histories with heavy ties, delayed entry, gaps and recurrent events are
checked against direct computations over a persons x times matrix (the definitions, with
loops: independent of the vectorised code) and against invariances: row order, splitting a
row, frequency weights as repeated persons, the Nelson-Aalen estimate without recurrent
events, NaN past follow-up, and the additivity over partitions that a Dask path relies on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import recidive as rc
from recidive.estimation._mcf_sums import (
    at_risk,
    grid_sums,
    mcf_columns,
    person_sums,
    time_grid,
)
from recidive.estimation._person_rows import check_person_rows

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def histories(draw, max_persons: int = 8, n_groups: int = 1) -> pd.DataFrame:
    """(entry, stop] rows of 1-8 persons: 1-4 rows each, small integer times (ties), delayed
    entry, gaps, events on any row; an integer weight 1-3 and a group per person."""
    rows = []
    for person in range(draw(st.integers(1, max_persons))):
        t = draw(st.integers(0, 3))
        weight = draw(st.integers(1, 3))
        group = draw(st.integers(0, n_groups - 1))
        for j in range(draw(st.integers(1, 4))):
            if j and draw(st.booleans()):
                t += draw(st.integers(1, 3))  # a gap: not at risk
            length = draw(st.integers(1, 4))
            rows.append((person, t, t + length, draw(st.integers(0, 1)), weight, group))
            t += length
    return pd.DataFrame(rows, columns=["id", "entry", "stop", "event", "weight", "group"])


def fit(df: pd.DataFrame, weights: bool = False, **kwargs) -> rc.MCFResult:
    return rc.mean_cumulative_function(
        df["stop"], df["event"], df["id"], entry=df["entry"],
        weights=df["weight"] if weights else None, **kwargs,
    )  # fmt: skip


def direct(df: pd.DataFrame, weights: bool = False) -> dict[str, np.ndarray]:
    """The definitions on a persons x times matrix: Y, dN, MCF, sum_i w_i D_i(t)^2."""
    times = np.unique(df["stop"])
    persons = [g for _, g in df.groupby("id")]
    at = np.array([[((g["entry"] < t) & (t <= g["stop"])).any() for t in times] for g in persons])
    dn = np.array([[(g["event"] * (g["stop"] == t)).sum() for t in times] for g in persons])
    w = np.array([g["weight"].iloc[0] if weights else 1.0 for g in persons])
    y, d = w @ at, w @ dn
    d_lambda = d / y
    influence = np.cumsum((dn - at * d_lambda) / y, axis=1)
    return {
        "time": times, "n_at_risk": y, "n_events": d, "mcf": np.cumsum(d_lambda),
        "std_err": np.sqrt(w @ influence**2),
    }  # fmt: skip


def assert_same(a: pd.DataFrame, b: pd.DataFrame, columns=None) -> None:
    for column in columns or a.columns:
        if column == "status":
            assert a[column].tolist() == b[column].tolist()
        else:
            np.testing.assert_allclose(a[column], b[column], rtol=1e-12, atol=1e-14,
                                       err_msg=column)  # fmt: skip


@SETTINGS
@given(histories(), st.booleans(), st.booleans())
def test_equals_the_definitions_computed_directly(df, weighted, float_times):
    if float_times:  # times on no integer grid: the sorted-grid route
        df = df.assign(entry=df["entry"] * 0.37, stop=df["stop"] * 0.37)
    frame = fit(df, weighted).to_frame()
    expected = direct(df, weighted)
    for column, values in expected.items():
        np.testing.assert_allclose(frame[column], values, rtol=1e-12, atol=1e-14, err_msg=column)


def relabel(df: pd.DataFrame, form: str) -> pd.DataFrame:
    """The same histories with other id labels or float times (the other sort routes)."""
    if form == "text ids":
        return df.assign(id="person " + df["id"].astype(str))
    if form == "float times":
        return df.assign(entry=df["entry"] / 1.0, stop=df["stop"] / 1.0)
    scale = {"wide ids": 10**16, "huge ids": 10**17}[form]  # no packed key; no combined key
    return df.assign(id=df["id"].astype(np.int64) * scale)


@SETTINGS
@given(
    histories(),
    st.randoms(use_true_random=False),
    st.sampled_from(["text ids", "float times", "wide ids", "huge ids"]),
)
def test_row_order_and_id_labels_do_not_matter(df, random, form):
    order = list(range(len(df)))
    random.shuffle(order)
    shuffled = relabel(df.iloc[order], form)
    assert_same(fit(df, True).to_frame(), fit(shuffled, True).to_frame())
    times = np.unique(np.concatenate([df["stop"], df["entry"] + 0.5]))
    assert_same(fit(df, True).at(times), fit(shuffled, True).at(times))


@SETTINGS
@given(histories(), st.data())
def test_splitting_a_row_without_an_event_at_the_split_changes_nothing(df, data):
    long = np.flatnonzero((df["stop"] - df["entry"]).to_numpy() >= 2)
    assume(long.size > 0)
    j = data.draw(st.sampled_from(long.tolist()))
    row = df.iloc[j]
    cut = data.draw(st.integers(int(row["entry"]) + 1, int(row["stop"]) - 1))
    head = row.copy()
    head["stop"], head["event"] = cut, 0
    tail = row.copy()
    tail["entry"] = cut
    split = pd.concat([df.drop(index=df.index[j]), head.to_frame().T, tail.to_frame().T])
    split = split.astype(df.dtypes.to_dict())
    times = np.unique(np.concatenate([df["stop"], [cut], df["stop"] + 0.5]))
    assert_same(fit(df, True).at(times), fit(split, True).at(times))


@SETTINGS
@given(histories())
def test_without_recurrent_events_the_mcf_is_the_nelson_aalen_cumulative_hazard(df):
    """At most one event per person, on its last row: time to a first event with delayed
    entry and gaps, whose Nelson-Aalen estimate is sum over event times of d / Y."""
    last = ~df["id"].duplicated(keep="last")
    df = df.assign(event=np.where(last, df["event"], 0))
    frame = fit(df).to_frame()
    hazard = []
    for t in frame["time"]:
        y = ((df["entry"] < t) & (t <= df["stop"])).sum()
        hazard.append(((df["stop"] == t) & (df["event"] == 1)).sum() / y)
    np.testing.assert_allclose(frame["mcf"], np.cumsum(hazard), rtol=1e-12)


@SETTINGS
@given(histories())
def test_integer_weights_equal_repeated_persons(df):
    copies = df.loc[df.index.repeat(df["weight"])].copy()
    copies["copy"] = copies.groupby(level=0).cumcount()
    copies["id"] = copies["id"].astype(str) + "#" + copies["copy"].astype(str)
    times = np.unique(np.concatenate([df["stop"], df["stop"] + 0.5, df["entry"]]))
    weighted, expanded = fit(df, True), fit(copies)
    assert_same(weighted.to_frame(), expanded.to_frame())
    assert_same(weighted.at(times), expanded.at(times))
    assert weighted.n == expanded.n


@SETTINGS
@given(histories(), st.lists(st.floats(0, 25, allow_nan=False), min_size=1, max_size=6))
def test_at_counts_the_risk_set_and_gives_nan_past_follow_up(df, times):
    result = fit(df, True)
    at = result.at(times)
    last = df["stop"].max()
    for _, row in at.iterrows():
        t = row["time"]
        inside = (df["entry"] < t) & (t <= df["stop"])
        assert row["n_at_risk"] == (df["weight"] * inside).sum()
        if t > last:
            assert row["status"] == "insufficient_follow_up" and np.isnan(row["mcf"])
        else:
            assert row["status"] == "ok"
            before = result.to_frame().query("time <= @t")
            expected = before["mcf"].iloc[-1] if len(before) else 0.0
            assert row["mcf"] == expected
            assert row["ci_lower"] <= row["mcf"] <= row["ci_upper"]
    assert fit(df).at([last])["status"].item() == "ok"


@SETTINGS
@given(histories(max_persons=10), st.integers(0, 2**16))
def test_sums_add_up_over_partitions_of_whole_persons(df, seed):
    """What a Dask path reduces: grid sums over any rows on a shared grid, person sums over
    partitions that hold whole persons, given the pooled totals; the curve from the sums."""
    rows = check_person_rows(df["stop"], df["event"], df["id"], df["entry"], df["weight"])
    grid = time_grid(rows)
    whole = grid_sums(rows, grid)
    y = at_risk(whole["enter"], whole["leave"])
    in_part = np.random.default_rng(seed).random(int(rows.new_person.sum())) < 0.5
    by_row = in_part[np.cumsum(rows.new_person) - 1]
    parts = [rows.take(np.flatnonzero(by_row == side)) for side in (True, False)]
    grids = [time_grid(part, grid.time) for part in parts]
    totals = {k: sum(grid_sums(p, g)[k] for p, g in zip(parts, grids, strict=True)) for k in whole}
    persons = {
        k: sum(person_sums(p, g, y, whole["events"])[k] for p, g in zip(parts, grids, strict=True))
        for k in ("base_enter", "base_stop")
    }
    in_memory = fit(df, True).to_frame()
    from_parts = mcf_columns(totals, persons)
    for column in ("n_at_risk", "n_events", "mcf", "std_err"):
        np.testing.assert_allclose(from_parts[column], in_memory[column], rtol=1e-12, atol=1e-14)


def direct_score_test(df: pd.DataFrame, weights: bool) -> tuple[float, int]:
    """The pooled robust score test from its definition (persons x groups x times)."""
    times = np.unique(df["stop"])
    groups = np.unique(df["group"])
    persons = [g for _, g in df.groupby("id")]
    w = np.array([g["weight"].iloc[0] if weights else 1.0 for g in persons])

    def matrix(value):
        return np.array([[[value(p[p["group"] == k], t) for t in times] for k in groups]
                         for p in persons])  # fmt: skip

    at = matrix(lambda p, t: float(((p["entry"] < t) & (t <= p["stop"])).any()))
    dn = matrix(lambda p, t: float((p["event"] * (p["stop"] == t)).sum()))
    y_group = np.einsum("i,igt->gt", w, at)
    y = y_group.sum(axis=0)
    d_lambda = np.einsum("i,igt->t", w, dn) / y
    share = y_group / y
    resid = dn - at * d_lambda  # persons x groups x times
    u_person = resid.sum(axis=2) - np.einsum("gt,iht->ig", share, resid)
    u = w @ u_person
    variance = (u_person * w[:, None]).T @ u_person
    keep = np.einsum("gt,t->g", y_group, d_lambda) > 0
    df_ = int(keep.sum()) - 1
    if df_ < 1:
        return 0.0, 0
    sub = u[keep][1:]
    vv = variance[np.ix_(keep, keep)][1:, 1:]
    if np.abs(vv).max() <= 1e-12:  # no person-level variation: u is 0 too (O = E), and the
        return 0.0, df_  # g-inverse of rounding noise would be noise; the package gives 0
    # (R's rscore is NaN there: coxph(... + cluster(id))$rscore on such data)
    return float(sub @ np.linalg.pinv(vv) @ sub), df_


@SETTINGS
@given(histories(max_persons=10, n_groups=3), st.booleans(), st.booleans())
def test_equal_mcf_test_equals_its_definition(df, weighted, time_varying):
    if time_varying:  # the group may change from row to row of a person
        df = df.assign(group=(df["group"] + np.arange(len(df))) % 3)
    result = rc.mcf_equality_test(df["stop"], df["event"], df["id"], df["group"],
                                  entry=df["entry"], weights=df["weight"] if weighted else None)  # fmt: skip
    statistic, df_ = direct_score_test(df, weighted)
    assert result.df == df_
    np.testing.assert_allclose(result.statistic, statistic, rtol=1e-8, atol=1e-10)
    reversed_rows = df.iloc[::-1]
    again = rc.mcf_equality_test(
        reversed_rows["stop"], reversed_rows["event"], reversed_rows["id"],
        reversed_rows["group"], entry=reversed_rows["entry"],
        weights=reversed_rows["weight"] if weighted else None,
    )  # fmt: skip
    np.testing.assert_allclose(again.statistic, result.statistic, rtol=1e-10, atol=1e-12)


def test_a_variance_that_is_zero_in_rounding_noise_gives_zero():
    """Two persons whose weighted residuals cancel exactly at every time: observed equals
    expected and the variance is 0 up to rounding (1e-33); the statistic is 0, not the ratio
    of two rounding errors (R's rscore is NaN on these data). Worked by hand: at t = 2, 3, 4
    group 1's score terms are 1 - 1, 0 - 2/3 and 1 - 1/3."""
    df = pd.DataFrame({"id": [0, 0, 0, 0, 1, 1, 1], "entry": [0, 1, 2, 3, 0, 1, 2],
                       "stop": [1, 2, 3, 4, 1, 2, 4], "event": [0, 1, 1, 0, 0, 1, 1],
                       "weight": [2, 2, 2, 2, 1, 1, 1], "group": [0, 0, 0, 0, 1, 1, 1]})  # fmt: skip
    result = rc.mcf_equality_test(df["stop"], df["event"], df["id"], df["group"],
                                  entry=df["entry"], weights=df["weight"])  # fmt: skip
    assert (result.statistic, result.df) == (0.0, 1)
    np.testing.assert_allclose(result.to_frame()["observed"], result.to_frame()["expected"])

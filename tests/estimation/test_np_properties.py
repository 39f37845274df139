"""Property-based checks of the non-parametric estimators (hypothesis, lifelines as oracle)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter

from recidive import defaults
from recidive._arguments import check_horizons
from recidive.estimation.horizon_rates import rate_table, survival_rates
from recidive.estimation.kaplan_meier import kaplan_meier
from recidive.estimation.logrank import logrank_test
from recidive.estimation.risk_table import frame_risk_table, risk_table

# the properties compare numbers, horizons past a stratum's follow-up included; the
# warning about those is tested in test_np_results.py
pytestmark = pytest.mark.filterwarnings("ignore::recidive.errors.InsufficientFollowUpWarning")


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def survival_data(draw, min_size=1, max_size=40):
    n = draw(st.integers(min_size, max_size))
    time = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    event = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    weight = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    group = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    return pd.DataFrame({"time": time, "event": event, "weight": weight, "group": group})


def _expand(df):
    return df.loc[df.index.repeat(df.weight)].reset_index(drop=True)


@SETTINGS
@given(survival_data())
def test_km_equals_lifelines(df):
    km = kaplan_meier(df.time, df.event).to_frame()
    kmf = KaplanMeierFitter().fit(df.time, df.event)
    surv = kmf.survival_function_.iloc[:, 0].reindex(km.time).to_numpy()
    np.testing.assert_allclose(km.survival, surv, atol=1e-12)
    ci = kmf.confidence_interval_.reindex(km.time).to_numpy()
    inside = (km.survival > 0) & (km.survival < 1)
    np.testing.assert_allclose(km.ci_lower[inside], ci[inside.to_numpy(), 0], atol=1e-10)
    np.testing.assert_allclose(km.ci_upper[inside], ci[inside.to_numpy(), 1], atol=1e-10)


@SETTINGS
@given(survival_data(), st.sampled_from(["log-log", "log", "plain"]), st.randoms())
def test_km_invariants(df, conf_type, rnd):
    km = kaplan_meier(df.time, df.event, conf_type=conf_type).to_frame()
    s = km.survival.to_numpy()
    assert ((s >= 0) & (s <= 1)).all()
    assert (np.diff(s) <= 1e-15).all()
    assert (np.diff(km.n_at_risk) <= 0).all()
    ok = km.ci_lower.notna()
    assert (km.ci_lower[ok] <= s[ok] + 1e-12).all() and (s[ok] <= km.ci_upper[ok] + 1e-12).all()
    order = list(range(len(df)))
    rnd.shuffle(order)
    shuffled = df.iloc[order]
    pd.testing.assert_frame_equal(
        kaplan_meier(shuffled.time, shuffled.event, conf_type=conf_type).to_frame(), km
    )


@SETTINGS
@given(survival_data())
def test_frequency_weights_equal_expanded_data(df):
    big = _expand(df)
    if big.empty:
        return
    km_w = kaplan_meier(df.time, df.event, df.weight).to_frame()
    km_x = kaplan_meier(big.time, big.event).to_frame()
    pd.testing.assert_frame_equal(km_w, km_x, atol=1e-12, check_dtype=False)
    rt_w = risk_table(df.time, df.event, df.weight, strata=df.group).to_frame()
    rt_x = risk_table(big.time, big.event, strata=big.group).to_frame()
    pd.testing.assert_frame_equal(rt_w, rt_x, check_dtype=False)
    r_w = survival_rates(
        df, "time", "event", by=["group"], horizons=(2 / 365.25, 5 / 365.25), weights="weight"
    ).to_frame()
    r_x = survival_rates(
        big, "time", "event", by=["group"], horizons=(2 / 365.25, 5 / 365.25)
    ).to_frame()
    pd.testing.assert_frame_equal(r_w, r_x, atol=1e-12, check_dtype=False)
    if big.group.nunique() > 1:
        lw = logrank_test(df.time, df.event, df.group, df.weight)
        lx = logrank_test(big.time, big.event, big.group)
        assert lw.statistic == pytest.approx(lx.statistic, rel=1e-9, abs=1e-12)


@SETTINGS
@given(survival_data(), survival_data())
def test_risk_tables_add_like_concatenated_data(a, b):
    whole = pd.concat([a, b], ignore_index=True)
    summed = risk_table(a.time, a.event, strata=a.group) + risk_table(
        b.time, b.event, strata=b.group
    )
    direct = risk_table(whole.time, whole.event, strata=whole.group)
    pd.testing.assert_frame_equal(summed.to_frame(), direct.to_frame(), check_dtype=False)


@SETTINGS
@given(survival_data())
def test_float_times_give_the_same_table_as_integer_times(df):
    a = risk_table(df.time, df.event, strata=df.group).to_frame()
    b = risk_table(df.time.astype(float), df.event, strata=df.group).to_frame()
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_all_censored_and_single_row():
    km = kaplan_meier([3, 5, 5], [0, 0, 0]).to_frame()
    assert (km.survival == 1).all() and km.ci_lower.isna().all()  # log-log undefined at S = 1
    one = kaplan_meier([4], [1])
    assert one.to_frame().survival.tolist() == [0.0]
    assert np.isnan(one.to_frame().std_err[0])
    assert one.median_ == 4.0


@SETTINGS
@given(
    survival_data(max_size=60),
    st.sampled_from(["log-log", "log", "plain"]),
    st.lists(st.floats(0, 15), min_size=1, max_size=4),
    st.booleans(),
)
def test_rates_are_exactly_the_kaplan_meier_curve_of_each_stratum(
    df, conf_type, horizons, weighted
):
    """The rates' all-strata-at-once computation gives the curve-wise numbers bit for bit."""
    weights = "weight" if weighted else None
    rt = survival_rates(
        df, "time", "event", by=["group"], horizons=horizons, time_unit="years",
        conf_type=conf_type, weights=weights,
    ).to_frame()  # fmt: skip
    h = np.sort(np.asarray(horizons, dtype=float))
    for label, rows in [("all", df), *df.groupby("group")]:
        if weighted and rows.weight.sum() == 0:
            continue
        w = rows.weight if weighted else None
        at = kaplan_meier(rows.time, rows.event, weights=w, conf_type=conf_type).at(h)
        got = rt[rt.group == label]
        assert len(got) == len(h)
        np.testing.assert_array_equal(got.rate, 1 - at.survival)
        np.testing.assert_array_equal(got.std_err, at.std_err)
        np.testing.assert_array_equal(got.ci_lower, 1 - at.ci_upper)
        np.testing.assert_array_equal(got.ci_upper, 1 - at.ci_lower)
        np.testing.assert_array_equal(got.n_at_risk, at.n_at_risk)
        np.testing.assert_array_equal(got.status, at.status)


def test_rates_in_blocks_of_strata_equal_rates_in_one_block():
    """Many strata are processed in blocks of the (strata x rows) grid: same numbers."""
    rng = np.random.default_rng(11)
    n = 3000
    df = pd.DataFrame(
        {
            "time": rng.exponential(3.0, n).round(2),
            "event": rng.integers(0, 2, n),
            "group": rng.integers(0, 40, n),
        }
    )
    kwargs = {"by": ["group"], "horizons": (0.5, 2, 6, 20), "time_unit": "years"}
    whole = survival_rates(df, "time", "event", **kwargs).to_frame()
    table = frame_risk_table(df, "time", "event", ["group"]).drop_empty()
    blocks = rate_table(
        table, ["group"], [], check_horizons(kwargs["horizons"]), "years",
        defaults.CONF_TYPE, defaults.CONF_LEVEL, block_cells=150,
    )  # fmt: skip
    pd.testing.assert_frame_equal(blocks.to_frame(), whole)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(1, 30), st.integers(0, 1), st.integers(1, 3), st.sampled_from("abc")),
        min_size=1,
        max_size=60,
    ),
    st.lists(st.floats(-1, 35, allow_nan=False), min_size=1, max_size=6),
    st.booleans(),
)
def test_at_risk_at_any_time_counts_the_rows_still_followed(rows, times, entered):
    """``at_risk_at(t)``: the weight of a stratum's rows with ``entry < t <= time``, by hand.

    Without entries a search per stratum, with entries the general lookup: both against the
    count over the raw rows.
    """
    time, event, weight, stratum = (np.array(c) for c in zip(*rows, strict=True))
    entry = np.minimum(time - 1.0, 3.0) if entered else None  # enter late, before exit
    table = risk_table(time, event, weights=weight, strata=stratum, entry=entry)
    times = [*times, *time[:3].astype(float)]  # at the rows' own times too
    got = table.at_risk_at(times)
    start = np.full(len(time), -np.inf) if entry is None else entry
    for k, label in enumerate(table.strata):
        for j, t in enumerate(times):
            mine = (stratum == label) & (start < t) & (time >= t)
            assert got[k, j] == weight[mine].sum()

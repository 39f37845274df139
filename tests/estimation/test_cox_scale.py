"""The registry-scale paths of the Cox model: row collapsing and O(n log n) concordance.

Collapsing identical rows into frequency weights must give the row-by-row result (to
1e-12); the vectorised concordance must give R's pair counts, checked here by brute force
over all pairs of the expanded data.
"""

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from recidive.errors import ArgumentError, ConvergenceWarning
from recidive.estimation.cox import cox_zph, fit_cox, predict_survival
from recidive.estimation.cox._collapse import collapse_rows
from recidive.estimation.cox._concordance import concordance
from recidive.estimation.cox._design import build_design

EXACT = 1e-12


def _registry(seed: int, n: int, n_days: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    band = rng.integers(0, 4, n)
    df = pd.DataFrame({
        "male": rng.integers(0, 2, n),
        "band": pd.Categorical(np.array(["18-23", "24-30", "31-40", "41+"])[band]),
        "prior": np.minimum(rng.geometric(0.4, n) - 1, 6),
        "form": np.array(["a", "b", "c"], dtype=object)[rng.integers(0, 3, n)],
        "region": rng.integers(0, 3, n),
    })  # fmt: skip
    lp = 0.3 * df["male"] + 0.2 * band + 0.15 * df["prior"]
    t = np.ceil(rng.exponential(n_days / 2 * np.exp(-lp)))
    df["days"] = np.minimum(t, n_days)
    df["event"] = ((rng.random(n) < 0.6) & (t <= n_days)).astype(int)
    df.loc[0, "event"] = 1
    df["w"] = rng.integers(1, 4, n)
    return df


COV = ["male", "band", "prior", "form"]


def _row_by_row(*args, **kwargs):
    return fit_cox(*args, collapse=False, **kwargs)


def _assert_same(a, b):
    np.testing.assert_allclose(a.coef, b.coef, rtol=0, atol=EXACT)
    np.testing.assert_allclose(a.variance_matrix, b.variance_matrix, rtol=0, atol=EXACT)
    assert a.log_likelihood == pytest.approx(b.log_likelihood, rel=EXACT, abs=EXACT)
    assert a.log_likelihood_null == pytest.approx(b.log_likelihood_null, rel=EXACT)
    assert a.score_statistic == pytest.approx(b.score_statistic, rel=EXACT)
    assert a.n_iter == b.n_iter and a.n == b.n and a.n_events == b.n_events
    assert a.concordance_counts == b.concordance_counts
    assert abs(a.concordance - b.concordance) < EXACT
    assert abs(a.concordance_std_err - b.concordance_std_err) < EXACT
    assert a.metadata["n_rows"] == b.metadata["n_rows"]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(30, 400), n_days=st.integers(3, 80),
       ties=st.sampled_from(["efron", "breslow"]), robust=st.booleans(),
       strata=st.sampled_from([None, "region"]), weighted=st.booleans())  # fmt: skip
def test_collapsed_equals_row_by_row(seed, n, n_days, ties, robust, strata, weighted):
    df = _registry(seed, n, n_days)
    kw = {"ties": ties, "robust": robust, "strata": strata, "weights": "w" if weighted else None}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        fast = fit_cox(df, "days", "event", COV, **kw)
    assume(not caught)  # separated samples: infinite coefficients are not comparable
    slow = _row_by_row(df, "days", "event", COV, **kw)
    assert fast.metadata["n_distinct_rows"] <= slow.metadata["n_distinct_rows"] == len(df)
    _assert_same(fast, slow)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_collapsed_zph_and_predictions_equal_row_by_row(ties):
    df = _registry(7, 2_000, n_days=12)
    df.loc[df.index[::10], "w"] = 0  # zero weights are dropped in both paths
    kw = {"ties": ties, "strata": "region", "weights": "w"}
    fast = fit_cox(df, "days", "event", COV, **kw)
    slow = _row_by_row(df, "days", "event", COV, **kw)
    assert fast.metadata["n_distinct_rows"] < 0.8 * len(df)
    _assert_same(fast, slow)
    zf, zs = cox_zph(fast), cox_zph(slow)
    np.testing.assert_allclose(zf.table["chisq"], zs.table["chisq"], rtol=1e-10)
    pd.testing.assert_frame_equal(zf.residuals, zs.residuals, rtol=1e-10, atol=1e-10)
    new = df.iloc[:50]
    np.testing.assert_allclose(predict_survival(fast, new, [5, 20, 40]),
                               predict_survival(slow, new, [5, 20, 40]), atol=EXACT)  # fmt: skip


def test_non_integer_times_and_covariates_collapse_exactly():
    df = _registry(3, 1_500)
    df["days"] = df["days"] / 7  # weeks: not whole numbers
    df["score"] = np.round(df["prior"] * 0.35 + df["male"] * 0.1, 2)  # few distinct floats
    cov = ["male", "band", "score", "form"]
    fast = fit_cox(df, "days", "event", cov, strata="region")
    slow = _row_by_row(df, "days", "event", cov, strata="region")
    assert fast.metadata["n_distinct_rows"] < len(df)
    _assert_same(fast, slow)


def test_continuous_covariates_fall_back_to_row_by_row():
    rng = np.random.default_rng(5)
    n = 400
    df = pd.DataFrame(rng.normal(size=(n, 6)), columns=list("abcdef"))
    df["t"], df["ev"] = rng.integers(1, 30, n).astype(float), rng.integers(0, 2, n)
    design, _ = build_design(df, list("abcdef"), matrix=False)
    time, event = df["t"].to_numpy(float), df["ev"].to_numpy(float)
    assert collapse_rows(df, design, time, event, None, np.zeros(n, dtype=np.int64)) is None
    res = fit_cox(df, "t", "ev", list("abcdef"))
    assert res.metadata["n_distinct_rows"] == n and res.converged


def test_constant_covariate_message_is_the_same_on_both_paths():
    df = _registry(1, 200).assign(one=3)
    for fit in (fit_cox, _row_by_row):
        with pytest.raises(
            ArgumentError, match=r"covariate 'one' is constant \(value 3 in all 200"
        ):
            fit(df, "days", "event", ["male", "one"])


def _brute_force_counts(time, event, weight, stratum, lp):
    """R's five pair counts by looking at every pair of the expanded data."""
    reps = weight.astype(int)
    t, e, s, x = (np.repeat(a, reps) for a in (time, event, stratum, np.round(lp, 10)))
    c = {"concordant": 0, "discordant": 0, "tied_x": 0, "tied_y": 0, "tied_xy": 0}
    for i, j in itertools.combinations(range(len(t)), 2):
        if s[i] != s[j]:
            continue
        if t[i] == t[j] and e[i] and e[j]:
            c["tied_xy" if x[i] == x[j] else "tied_y"] += 1
            continue
        if t[i] == t[j]:
            first, later = (i, j) if e[i] else (j, i)  # censored at the same time is later
        else:
            first, later = (i, j) if t[i] < t[j] else (j, i)
        if not e[first]:
            continue
        if x[first] == x[later]:
            c["tied_x"] += 1
        else:
            c["concordant" if x[first] > x[later] else "discordant"] += 1
    return c


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 100_000), n=st.integers(1, 40), n_times=st.integers(1, 8),
       n_strata=st.integers(1, 3), n_scores=st.integers(1, 6))  # fmt: skip
def test_concordance_counts_equal_brute_force(seed, n, n_times, n_strata, n_scores):
    rng = np.random.default_rng(seed)
    time = rng.integers(1, n_times + 1, n).astype(float)
    event = rng.random(n) < 0.6
    weight = rng.integers(1, 4, n).astype(float)
    stratum = rng.integers(0, n_strata, n)
    lp = rng.integers(0, n_scores, n) * 0.3 + 1e-13 * rng.random(n)  # ties up to rounding
    got = concordance(time, event, weight, stratum, lp)
    want = _brute_force_counts(time, event, weight, stratum, lp)
    assert {k: getattr(got, k) for k in want} == want
    npair = want["concordant"] + want["discordant"] + want["tied_x"]
    if npair:
        expect = (want["concordant"] + want["tied_x"] / 2) / npair
        assert got.concordance == pytest.approx(expect, abs=1e-14)
    else:
        assert np.isnan(got.concordance)


def test_concordance_is_invariant_to_expanding_weights():
    rng = np.random.default_rng(11)
    n = 300
    time = rng.integers(1, 20, n).astype(float)
    event = rng.random(n) < 0.5
    weight = rng.integers(1, 5, n).astype(float)
    stratum = rng.integers(0, 3, n)
    lp = rng.normal(size=n).round(1)
    a = concordance(time, event, weight, stratum, lp)
    reps = weight.astype(int)
    b = concordance(*(np.repeat(v, reps) for v in (time, event)), np.ones(reps.sum()),
                    *(np.repeat(v, reps) for v in (stratum, lp)))  # fmt: skip
    assert a.concordant == b.concordant and a.tied_xy == b.tied_xy and a.tied_y == b.tied_y
    assert a.concordance == pytest.approx(b.concordance, abs=1e-14)
    assert a.std_err == pytest.approx(b.std_err, abs=1e-14)


@pytest.mark.parametrize("collapse", [True, False])
def test_integer_bool_and_float_columns_give_the_same_fit(collapse):
    df = _registry(9, 800, n_days=30)
    small = df.astype({"days": np.int16, "event": bool, "male": bool, "prior": np.uint8})
    as_float = df.astype({"days": float, "event": float, "male": float, "prior": float})
    fits = [
        fit_cox(d, "days", "event", COV, strata="region", collapse=collapse)
        for d in (df, small, as_float)
    ]
    for other in fits[1:]:
        _assert_same(fits[0], other)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_blocked_sums_equal_one_block(ties):
    import recidive.estimation.cox._partial_likelihood as pl

    df = _registry(4, 3_000, n_days=15)
    one = fit_cox(df, "days", "event", COV, ties=ties, strata="region", robust=True)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(pl, "_CHUNK", 7)  # many blocks of Efron terms and of rows
        blocked = fit_cox(df, "days", "event", COV, ties=ties, strata="region", robust=True)
    _assert_same(one, blocked)


@pytest.mark.parametrize("scale, offset", [(10_000_000_000, 0), (1, 10_000_000_000)])
def test_wide_and_shifted_times_with_zero_weights_collapse_exactly(scale, offset):
    # a time range too wide for a counting sort (the collapse sorts instead), and times
    # beyond int32 with a narrow range (counting sort on shifted times)
    df = _registry(12, 600, n_days=20)
    df["days"] = df["days"].astype(np.int64) * scale + offset
    df.loc[df.index[::7], "w"] = 0
    kw = {"ties": "efron", "strata": "region", "weights": "w"}
    fast = fit_cox(df, "days", "event", COV, **kw)
    slow = _row_by_row(df, "days", "event", COV, **kw)
    assert fast.metadata["n_distinct_rows"] < slow.metadata["n_distinct_rows"]
    _assert_same(fast, slow)
    zf, zs = cox_zph(fast), cox_zph(slow)
    np.testing.assert_allclose(zf.table["chisq"], zs.table["chisq"], rtol=1e-10)
    pd.testing.assert_frame_equal(zf.residuals, zs.residuals, rtol=1e-10, atol=1e-10)

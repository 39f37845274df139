"""Property-based checks: frequency weights, row order, agreement with lifelines."""

import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from recidive.estimation.cox import fit_cox


def _frame(seed: int, n: int, n_times: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.integers(0, 2, n)
    x2 = rng.integers(0, 3, n)
    t = np.ceil(rng.exponential(n_times / 2 * np.exp(-0.4 * x1 + 0.2 * x2)))
    t = np.minimum(t, n_times)
    e = (rng.random(n) < 0.7).astype(int)
    e[0] = 1
    return pd.DataFrame({"t": t, "e": e, "x1": x1, "x2": x2, "s": rng.integers(0, 2, n)})


def _same(a, b, tol=1e-9):
    np.testing.assert_allclose(a.coef, b.coef, atol=tol)
    np.testing.assert_allclose(a.variance_matrix, b.variance_matrix, atol=tol)
    assert abs(a.log_likelihood - b.log_likelihood) < 1e-8
    assert abs(a.concordance - b.concordance) < 1e-12


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(40, 150), n_times=st.integers(3, 30),
       ties=st.sampled_from(["efron", "breslow"]), robust=st.booleans())  # fmt: skip
def test_collapsed_with_weights_equals_expanded(seed, n, n_times, ties, robust):
    df = _frame(seed, n, n_times)
    cols = ["t", "e", "x1", "x2", "s"]
    collapsed = df.groupby(cols).size().rename("w").reset_index()
    kw = {"ties": ties, "robust": robust, "strata": "s"}
    a = fit_cox(df, "t", "e", ["x1", "x2"], **kw)
    b = fit_cox(collapsed, "t", "e", ["x1", "x2"], weights="w", **kw)
    _same(a, b)
    assert abs(a.concordance_std_err - b.concordance_std_err) < 1e-12
    assert a.concordance_counts == b.concordance_counts
    assert a.n == b.n and a.n_events == b.n_events


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), perm_seed=st.integers(0, 10_000),
       ties=st.sampled_from(["efron", "breslow"]))  # fmt: skip
def test_invariant_to_row_order(seed, perm_seed, ties):
    df = _frame(seed, 120, 15)
    shuffled = df.sample(frac=1, random_state=perm_seed)
    a = fit_cox(df, "t", "e", ["x1", "x2"], ties=ties, strata="s", robust=True)
    b = fit_cox(shuffled, "t", "e", ["x1", "x2"], ties=ties, strata="s", robust=True)
    _same(a, b)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(50, 300), tied=st.booleans())
def test_agrees_with_lifelines_efron(seed, n, tied):
    from lifelines import CoxPHFitter

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    t = rng.exponential(np.exp(-x @ np.array([0.5, -0.3, 0.1])))
    if tied:
        t = np.ceil(t * 5)
    df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(t=t, e=(rng.random(n) < 0.8) * 1)
    df.loc[0, "e"] = 1
    ours = fit_cox(df, "t", "e", ["a", "b", "c"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cph = CoxPHFitter().fit(df, "t", "e", fit_options={"precision": 1e-12})
    np.testing.assert_allclose(ours.coef, cph.params_[["a", "b", "c"]], atol=1e-6)
    np.testing.assert_allclose(ours.std_err, cph.standard_errors_[["a", "b", "c"]], atol=1e-6)
    assert abs(ours.log_likelihood - cph.log_likelihood_) < 1e-6

"""Invariances of counting-process data (hypothesis): splitting and row order.

Splitting a person's (entry, stop] row into contiguous intervals without changing the
covariates (the event, if any, on the last piece) describes the same person: the
Kaplan-Meier curve, the Cox fit (coefficients, both variances, log-likelihoods, tests,
concordance, the proportional-hazards test) and, with the person as the cluster, the
robust variance and the concordance's standard error are unchanged (without a cluster
that jackknife SE treats each row as a unit, in R too). The order of the rows never
matters.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from recidive import AliasedCovariateWarning, ArgumentError, ConvergenceWarning
from recidive.estimation.cox import cox_zph, fit_cox
from recidive.estimation.kaplan_meier import kaplan_meier

SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def persons(draw) -> tuple[pd.DataFrame, pd.DataFrame]:
    """8-25 persons with one (entry, stop] row each (integer times: ties, delayed entry),
    and the same persons with each row split at 0-2 random inner times."""
    whole, split = [], []
    for person in range(draw(st.integers(8, 25))):
        entry = draw(st.integers(0, 4))
        stop = entry + draw(st.integers(1, 12))
        event = draw(st.integers(0, 1))
        covariates = (draw(st.integers(0, 1)), draw(st.sampled_from([-1.5, 0.0, 0.7, 2.0])),
                      draw(st.sampled_from(["a", "b"])))  # fmt: skip
        whole.append((person, entry, stop, event, *covariates))
        inner = sorted(set(draw(st.lists(st.integers(entry + 1, stop), max_size=2))) - {stop})
        cuts = [entry, *inner, stop]
        for k, (lo, hi) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
            split.append((person, lo, hi, event if k == len(cuts) - 2 else 0, *covariates))
    columns = ["id", "start", "stop", "event", "young", "x", "group"]
    return pd.DataFrame(whole, columns=columns), pd.DataFrame(split, columns=columns)


def _fit(frame, **kwargs):
    """The fit, or a rejected example when it warns of separation (no finite estimate)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit_cox(frame, "stop", "event", ["young", "x"], entry="start", **kwargs)
    assume(not any(issubclass(w.category, ConvergenceWarning) for w in caught))
    assert all(issubclass(w.category, AliasedCovariateWarning) for w in caught)
    return res


def _assert_same_fit(a, b, tol: float = 1e-10, concordance_se: bool = True) -> None:
    """Equal fits; the concordance's jackknife SE treats rows as units unless clustered
    (R's too), so splitting changes it without a cluster."""
    for name in ("coef", "std_err", "naive_std_err"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=tol, atol=tol)
    np.testing.assert_allclose(a.log_likelihood, b.log_likelihood, rtol=tol, atol=tol)
    for test in ("likelihood_ratio_test", "wald_test", "score_test"):
        np.testing.assert_allclose(getattr(a, test).statistic, getattr(b, test).statistic,
                                   rtol=1e-8, atol=tol)  # fmt: skip
    np.testing.assert_allclose(a.concordance, b.concordance, rtol=tol, atol=tol)
    if concordance_se:
        np.testing.assert_allclose(a.concordance_std_err, b.concordance_std_err, rtol=1e-8,
                                   atol=tol)  # fmt: skip


def _usable(frame: pd.DataFrame) -> bool:
    """Events, and both values of each covariate among the persons (no degenerate fit)."""
    events = frame[frame.event == 1]
    return (
        len(events) >= 3
        and frame["young"].nunique() == 2
        and frame["x"].nunique() >= 2
        and events["young"].nunique() == 2
        and (frame.event == 0).sum() >= 2
    )


@SETTINGS
@given(persons())
def test_splitting_leaves_kaplan_meier_unchanged(data):
    whole, split = data
    a = kaplan_meier(whole.stop, whole.event, entry=whole.start)
    b = kaplan_meier(split.stop, split.event, entry=split.start)
    times = a.time[a.to_frame().n_events.to_numpy() > 0]
    at_a, at_b = a.at(times), b.at(times)
    for column in ("survival", "std_err", "ci_lower", "ci_upper", "n_at_risk"):
        np.testing.assert_allclose(at_a[column], at_b[column], rtol=1e-12, atol=1e-14)
    grid = np.linspace(0, whole.stop.max(), 31)
    np.testing.assert_allclose(a.at(grid).survival, b.at(grid).survival, rtol=1e-12)
    np.testing.assert_allclose(a.at(grid).n_at_risk, b.at(grid).n_at_risk)


@SETTINGS
@given(persons(), st.sampled_from(["efron", "breslow"]), st.booleans())
def test_splitting_leaves_cox_unchanged(data, ties, strata):
    whole, split = data
    assume(_usable(whole))
    kwargs = {"ties": ties, "strata": "group" if strata else None}
    a, b = _fit(whole, **kwargs), _fit(split, **kwargs)
    assume(a.converged and a.n_iter < 10)
    _assert_same_fit(a, b, concordance_se=False)
    # the person as the cluster: its pieces' score residuals add up to the whole row's
    _assert_same_fit(_fit(whole, cluster="id", **kwargs), _fit(split, cluster="id", **kwargs))
    try:  # a singular test (too few events) is refused, as R's cox.zph refuses it
        zph_a, zph_b = cox_zph(a).table["chisq"], cox_zph(b).table["chisq"]
    except ArgumentError:
        return
    np.testing.assert_allclose(zph_a, zph_b, rtol=1e-7, atol=1e-9)


@SETTINGS
@given(persons(), st.sampled_from(["efron", "breslow"]), st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(data, ties, seed):
    _, split = data
    assume(_usable(split))
    shuffled = split.sample(frac=1.0, random_state=seed)
    for kwargs in ({"ties": ties}, {"ties": ties, "cluster": "id", "collapse": False}):
        a, b = _fit(split, **kwargs), _fit(shuffled, **kwargs)
        assume(a.converged)
        _assert_same_fit(a, b, tol=1e-9)
    km_a = kaplan_meier(split.stop, split.event, entry=split.start).to_frame()
    km_b = kaplan_meier(shuffled.stop, shuffled.event, entry=shuffled.start).to_frame()
    pd.testing.assert_frame_equal(km_a, km_b)

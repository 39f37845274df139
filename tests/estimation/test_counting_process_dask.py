"""Cox models of counting-process data on Dask equal the fit in memory (and R).

Both routes of :mod:`recidive.dask.cox` take (entry, duration] rows: the collapse route
(rows merged on their entry too) and the distributed Newton route (each row taken out of
the risk sets up to its entry). A cluster takes the Newton route and needs each cluster's
rows in one partition, which is checked. The synchronous scheduler keeps these tests fast;
``test_cox_dask.py`` runs the same task functions on a real cluster.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from recidive import AliasedCovariateWarning, ArgumentError
from recidive.estimation.cox import fit_cox

from ._reference import DATA_DIR, R_DIR, load_json

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

TOL = 1e-10  # Dask against memory
R_TOL = 1e-8  # against R
REF = load_json(R_DIR / "counting_process.json")
COV = ["tv", "x", "factor3"]


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def _by_person(frame: pd.DataFrame, npartitions: int, id_column: str = "id"):
    """A Dask DataFrame whose partitions hold whole persons (index = the person id)."""
    indexed = frame.set_axis(frame[id_column].to_numpy())
    return dd.from_pandas(indexed, npartitions=npartitions)


@pytest.fixture(scope="module")
def cp() -> pd.DataFrame:
    cp = pd.read_csv(DATA_DIR / "counting_process.csv")
    cp["factor3"] = pd.Categorical(cp["factor3"], ["a", "b", "c"])
    return cp


def intervals(n: int, seed: int) -> pd.DataFrame:
    """Registry-shaped intervals: integer days, a few entry days, categorical covariates."""
    rng = np.random.default_rng(seed)
    k = rng.integers(1, 4, n)
    person = np.repeat(np.arange(n), k)
    first = np.concatenate([[0], np.cumsum(k)[:-1]])
    position = np.arange(person.size) - np.repeat(first, k)
    start = position * 10 + rng.integers(0, 3, person.size) * (position > 0)
    stop = start + rng.integers(1, 10, person.size)
    band = rng.integers(0, 4, n)[person]
    detained = rng.integers(0, 2, person.size)
    event = (rng.random(person.size) < 0.15 + 0.05 * band - 0.08 * detained).astype(np.int8)
    return pd.DataFrame({
        "id": person, "start": start, "stop": stop, "event": event,
        "band": pd.Categorical.from_codes(band, ["<23", "23-29", "30-39", "40+"]),
        "detained": detained, "region": rng.choice(["north", "south"], person.size),
    })  # fmt: skip


def _same(got, expected, tol=TOL):
    for name in ("coef", "std_err", "naive_std_err"):
        np.testing.assert_allclose(getattr(got, name), getattr(expected, name), rtol=0, atol=tol)
    assert got.log_likelihood == pytest.approx(expected.log_likelihood, abs=tol)
    assert got.log_likelihood_null == pytest.approx(expected.log_likelihood_null, abs=tol)
    for test in ("wald_test", "score_test", "likelihood_ratio_test"):
        assert getattr(got, test).statistic == pytest.approx(
            getattr(expected, test).statistic, abs=tol
        )
    if expected.robust_score_test is not None:
        assert got.robust_score_test.statistic == pytest.approx(
            expected.robust_score_test.statistic, abs=tol
        )


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"strata": "stratum"},
        {"cluster": "id"},
        {"cluster": "id", "strata": "stratum", "weights": "weight"},
    ],  # fmt: skip
)
def test_newton_route_with_entry_equals_memory(cp, ties, kwargs):
    memory = fit_cox(cp, "stop", "event", COV, entry="start", ties=ties, **kwargs)
    got = fit_cox(_by_person(cp, 5), "stop", "event", COV, entry="start", ties=ties, **kwargs)
    assert got.metadata["route"] == "newton"
    _same(got, memory)
    assert got.metadata["entry"] == "start" and got.metadata["robust"] == ("cluster" in kwargs)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_newton_route_cluster_equals_r(cp, ties):
    got = fit_cox(_by_person(cp, 4), "stop", "event", COV, entry="start", ties=ties,
                  strata="stratum", cluster="id")  # fmt: skip
    r = REF["cox"][ties]["strata_cluster"]
    np.testing.assert_allclose(got.coef, r["coef"], rtol=0, atol=R_TOL)
    np.testing.assert_allclose(got.std_err, r["se"], rtol=0, atol=R_TOL)
    np.testing.assert_allclose(got.naive_std_err, r["naive_se"], rtol=0, atol=R_TOL)
    assert got.wald_test.statistic == pytest.approx(r["wald_test"]["statistic"], abs=R_TOL)
    rscore = r["robust_score_test"]["statistic"]
    assert got.robust_score_test.statistic == pytest.approx(rscore, abs=R_TOL)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_collapse_route_with_entry_equals_memory(ties):
    frame = intervals(4000, seed=15)
    memory = fit_cox(frame, "stop", "event", ["band", "detained"], entry="start", ties=ties,
                     strata="region")  # fmt: skip
    got = fit_cox(dd.from_pandas(frame, npartitions=4), "stop", "event", ["band", "detained"],
                  entry="start", ties=ties, strata="region")  # fmt: skip
    assert got.metadata["route"] == "collapse"
    assert got.metadata["n_rows"] == len(frame)
    _same(got, memory)
    assert got.concordance == pytest.approx(memory.concordance, abs=TOL)
    newton = fit_cox(dd.from_pandas(frame, npartitions=4), "stop", "event", ["band", "detained"],
                     entry="start", ties=ties, strata="region", collapse=False)  # fmt: skip
    _same(newton, memory)


def test_cluster_across_partitions_is_refused(cp):
    scattered = dd.from_pandas(cp.sample(frac=1.0, random_state=3), npartitions=4, sort=False)
    with pytest.raises(ArgumentError, match=r"clusters are in more than one partition .*shuffle"):
        fit_cox(scattered, "stop", "event", COV, entry="start", cluster="id")
    text = cp.assign(person=cp["id"].map(lambda i: f"p{i}"))
    scattered = dd.from_pandas(text.sample(frac=1.0, random_state=3), npartitions=4, sort=False)
    with pytest.raises(ArgumentError, match=r"clusters are in more than one partition;"):
        fit_cox(scattered, "stop", "event", COV, entry="start", cluster="person")


def test_aliased_covariate_on_the_newton_route(cp):
    aliased = cp.assign(x3=cp["x"] + 2 * cp["tv"])
    with pytest.warns(AliasedCovariateWarning, match=r"'x3' is constant within every stratum or"):
        got = fit_cox(_by_person(aliased, 3), "stop", "event", ["tv", "x", "x3"], entry="start",
                      cluster="id")  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AliasedCovariateWarning)
        memory = fit_cox(aliased, "stop", "event", ["tv", "x", "x3"], entry="start", cluster="id")
    assert np.isnan(got.coef[2]) and got.df == 2
    _same(got, memory)


def test_robust_with_entry_needs_a_cluster_on_dask_too(cp):
    with pytest.raises(ArgumentError, match=r"robust=True with entry= needs cluster="):
        fit_cox(_by_person(cp, 2), "stop", "event", COV, entry="start", robust=True)

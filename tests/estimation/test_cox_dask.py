"""A Cox model of a Dask DataFrame or a Parquet dataset equals the fit in memory.

Both exact routes run on a real ``distributed`` cluster (two worker processes, one thread
each): collapsing identical rows into frequency weights (categorical covariates), and
distributed Newton-Raphson on per-time sums (a continuous covariate, or forced with
``fit_cox(..., collapse=False)``). Coefficients, variances, log-likelihoods and tests agree with
the in-memory fit to 1e-10.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from dask_cluster import local_client

from recidive import CoxModel
from recidive.dask.cox import collapse, newton, spec
from recidive.dask.levels import global_levels
from recidive.errors import ArgumentError
from recidive.estimation.cox import cox_zph, fit_cox, predict_survival

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

WORKER_MEMORY = 400e6  # bytes per worker; the out-of-core test uses more data than this
TOL = 1e-10
BANDS = ["<23", "23-29", "30-39", "40+"]


@pytest.fixture(scope="module")
def client():
    with local_client(memory_limit=WORKER_MEMORY) as c:
        yield c


def cohort(n: int, seed: int, n_days: int = 400) -> pd.DataFrame:
    """Registry-shaped: integer days, categorical covariates and strata, weights, an age."""
    rng = np.random.default_rng(seed)
    band = rng.integers(0, 4, n)
    male = rng.integers(0, 2, n)
    lp = 0.3 * male + 0.2 * band
    days = np.minimum(np.ceil(rng.exponential(n_days * np.exp(-lp))), n_days)
    return pd.DataFrame(
        {
            "days": days.astype(np.int64),
            "event": ((days < n_days) & (rng.random(n) < 0.7)).astype(np.int8),
            "band": pd.Categorical.from_codes(band, BANDS),
            "male": male,
            "region": rng.choice(np.array(["north", "south", "west"], dtype=object), n),
            "w": rng.integers(1, 4, n).astype(float),
            "age": np.round(rng.normal(30, 8, n), 3),
        }
    )


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return cohort(60_000, seed=11)


def assert_same_fit(got, expected, route: str) -> None:
    assert got.metadata["route"] == route
    assert got.names == expected.names
    np.testing.assert_allclose(got.coef, expected.coef, rtol=0, atol=TOL)
    np.testing.assert_allclose(got.variance_matrix, expected.variance_matrix, rtol=0, atol=TOL)
    np.testing.assert_allclose(got.std_err, expected.std_err, rtol=TOL, atol=0)
    for name in ("log_likelihood", "log_likelihood_null", "score_statistic"):
        assert getattr(got, name) == pytest.approx(getattr(expected, name), rel=TOL, abs=0)
    pd.testing.assert_frame_equal(got.tests_frame(), expected.tests_frame(), rtol=TOL)
    assert (got.n_iter, got.converged, got.n, got.n_events) == (
        expected.n_iter, expected.converged, expected.n, expected.n_events,
    )  # fmt: skip
    for key in ("n_rows", "strata", "strata_levels", "weights", "reference_levels", "ties"):
        assert got.metadata[key] == expected.metadata[key], key
    if route == "collapse":
        assert got.concordance == pytest.approx(expected.concordance, rel=0, abs=TOL)
        assert got.concordance_std_err == pytest.approx(expected.concordance_std_err, abs=TOL)


CASES = [
    {"ties": "efron"},
    {"ties": "breslow", "strata": "region"},
    {"ties": "efron", "strata": ["region"], "weights": "w", "robust": True},
    {"ties": "breslow", "weights": "w", "reference_levels": {"band": "40+"}},
]


@pytest.mark.parametrize("kwargs", CASES)
def test_collapsed_route_equals_in_memory(client, frame, kwargs):
    ddf = dd.from_pandas(frame, npartitions=6)
    covariates = ["band", "male"]
    got = fit_cox(ddf, "days", "event", covariates, **kwargs)
    assert_same_fit(got, fit_cox(frame, "days", "event", covariates, **kwargs), "collapse")


@pytest.mark.parametrize("kwargs", CASES)
def test_newton_route_equals_in_memory(client, frame, kwargs):
    """A continuous covariate: the rows do not collapse, one pass per Newton evaluation."""
    ddf = dd.from_pandas(frame, npartitions=5)
    covariates = ["band", "male", "age"]
    got = fit_cox(ddf, "days", "event", covariates, **kwargs)
    assert_same_fit(got, fit_cox(frame, "days", "event", covariates, **kwargs), "newton")


def test_newton_route_forced_on_categorical_data(client, frame):
    kwargs = {"strata": "region", "weights": "w", "robust": True}
    ddf = dd.from_pandas(frame, npartitions=4)
    got = fit_cox(ddf, "days", "event", ["band", "male"], collapse=False, **kwargs)
    expected = fit_cox(frame, "days", "event", ["band", "male"], **kwargs)
    assert_same_fit(got, expected, "newton")


@pytest.mark.parametrize("covariates", [["band", "male"], ["band", "male", "age"]])
def test_partitions_are_worked_a_slice_of_rows_at_a_time(client, frame, monkeypatch, covariates):
    """Slices of 1,024 rows (about 30 per partition) give the fit of the whole partitions."""
    monkeypatch.setattr(spec, "SLICE_BYTES", 1)
    assert spec.slice_rows(4) == 1024
    kwargs = {"strata": "region", "weights": "w", "robust": True}
    ddf = dd.from_pandas(frame, npartitions=2)
    route = "newton" if "age" in covariates else "collapse"
    got = fit_cox(ddf, "days", "event", covariates, **kwargs)
    assert_same_fit(got, fit_cox(frame, "days", "event", covariates, **kwargs), route)


def test_slices_cover_the_partition_once(frame, monkeypatch):
    """In this process: the slices' sums are the partition's sums, every row in one slice."""
    seen = []
    slice_sums = newton._slice_sums
    monkeypatch.setattr(newton, "_slice_sums", lambda rows, *a: seen.append(rows.index) or
                        slice_sums(rows, *a))  # fmt: skip
    part = frame.iloc[:10_000]
    ddf = dd.from_pandas(part, npartitions=1)
    design, _ = spec.design_of(ddf, ["band", "age"], None)
    levels = tuple(global_levels(ddf, ["region"]))
    task_spec = spec.Spec("days", "event", "w", ("region",), levels, design, "efron", 10_000)
    summary, _ = collapse.leaf(part, task_spec, 0)
    grid = newton.build_grid(summary, spec.strata_map(task_spec, summary["codes"])[0], "efron")
    beta = np.array([0.1, -0.2, 0.05, 0.01])
    whole = newton.partition_sums(part, task_spec, grid, beta)
    assert len(seen) == 1
    sliced = newton.partition_sums(
        part, dataclasses.replace(task_spec, slice_rows=1024), grid, beta
    )
    assert len(seen) == 1 + 10  # ceil(10_000 / 1024) slices
    assert np.array_equal(np.sort(np.concatenate(seen[1:])), np.arange(10_000))
    for key in ("b0", "b1", "b2", "e0", "e1", "e2"):
        a = whole[key] * np.exp(whole["shift"] - sliced["shift"])
        # centred sums cancel: the tolerance is relative to the largest sum of the array
        np.testing.assert_allclose(sliced[key], a, rtol=1e-12, atol=1e-12 * np.abs(a).max())


def test_collapse_budget_follows_the_worker_memory_limit(client):
    budget = collapse.collapse_budget(6)
    assert 0 < budget < collapse.MAX_COLLAPSED_ROWS
    assert budget * 6 * collapse.BYTES_PER_CELL <= WORKER_MEMORY / 8


def test_route_respects_the_collapse_budget(client, frame, monkeypatch):
    """Partitions fit the budget but their merge does not: Newton, not a larger merge."""
    kwargs = {"strata": "region", "weights": "w", "robust": True}
    covariates = ["band", "male"]
    ddf = dd.from_pandas(frame, npartitions=6)
    keys = ["region", "days", "event", *covariates]
    largest = max(
        ddf.partitions[i].compute().groupby(keys, observed=True).ngroups for i in range(6)
    )
    merged = frame.groupby(keys, observed=True).ngroups
    assert largest < merged <= len(frame) // 2
    expected = fit_cox(frame, "days", "event", covariates, **kwargs)
    for budget, route in ((largest, "newton"), (merged, "collapse")):
        monkeypatch.setattr(collapse, "collapse_budget", lambda n_columns, b=budget: b)
        got = fit_cox(ddf, "days", "event", covariates, **kwargs)
        assert_same_fit(got, expected, route)


def test_parquet_directory_and_file_equal_in_memory(client, frame, tmp_path):
    dd.from_pandas(frame, npartitions=4).to_parquet(tmp_path / "cohort", write_index=False)
    frame.to_parquet(tmp_path / "cohort.parquet", index=False)
    for covariates, route in ((["band", "male"], "collapse"), (["band", "age"], "newton")):
        expected = fit_cox(frame, "days", "event", covariates, strata="region", weights="w")
        for path in (tmp_path / "cohort", str(tmp_path / "cohort.parquet")):
            got = fit_cox(path, "days", "event", covariates, strata="region", weights="w")
            assert_same_fit(got, expected, route)


def test_cox_model_class_and_what_needs_the_rows(client, frame):
    ddf = dd.from_pandas(frame, npartitions=3)
    model = CoxModel().fit(ddf, "days", "event", ["band", "male"], strata="region")
    expected = CoxModel().fit(frame, "days", "event", ["band", "male"], strata="region")
    pd.testing.assert_frame_equal(model.summary, expected.summary, rtol=TOL)
    # collapsed rows are the data with frequency weights: zph and predictions are exact
    zph, zph_mem = cox_zph(model.results_), cox_zph(expected.results_)
    pd.testing.assert_frame_equal(zph.table, zph_mem.table, rtol=TOL)
    new = frame.head(5)
    pd.testing.assert_frame_equal(
        predict_survival(model.results_, new, [100, 300]),
        predict_survival(expected.results_, new, [100, 300]),
        rtol=TOL,
    )
    newton = CoxModel().fit(ddf, "days", "event", ["band", "age"])
    for what, call in (
        ("the concordance", lambda: newton.concordance_),
        ("cox_zph", newton.check_proportional_hazards),
        ("predictions", lambda: newton.predict_survival(new, [100])),
    ):
        with pytest.raises(ArgumentError, match=f"{what}.* needs the rows of the data.*sample"):
            call()


def test_bad_input_is_reported_as_in_memory(client, frame, tmp_path):
    bad = frame.copy()
    bad.loc[50_000, "event"] = 2
    with pytest.raises(
        ArgumentError, match="event column 'event' has values other than 0/1"
    ) as err:
        fit_cox(dd.from_pandas(bad, npartitions=4), "days", "event", ["band"])
    # 60,000 rows in 4 partitions: row 50,000 is in the last, and the count is that partition's
    assert str(err.value).endswith(
        "in 1 rows [in partition 3 of the Dask data; counts and row numbers are those of that "
        "partition]"
    )
    with pytest.raises(ArgumentError, match="fit_cox column 'agee' not in the frame"):
        fit_cox(dd.from_pandas(frame, npartitions=2), "days", "event", ["agee"])
    with pytest.raises(ArgumentError, match="covariate 'male' is constant"):
        fit_cox(dd.from_pandas(frame.assign(male=1), npartitions=3), "days", "event", ["male"])
    with pytest.raises(ArgumentError, match="no events"):
        fit_cox(dd.from_pandas(frame.assign(event=0), npartitions=3), "days", "event", ["band"])
    with pytest.raises(ArgumentError, match="pass weights as a column name"):
        fit_cox(dd.from_pandas(frame, npartitions=2), "days", "event", ["band"], weights=[1.0])
    with pytest.raises(ArgumentError, match="Parquet path .* does not exist"):
        fit_cox(tmp_path / "missing", "days", "event", ["band"])


def test_data_larger_than_a_worker_memory_limit(client, tmp_path):
    """485 MB in memory (80 files), 400 MB per worker: distributed Newton without failure."""
    rng = np.random.default_rng(2024)
    beta = np.linspace(-0.2, 0.2, 10)
    parts = []
    for i in range(80):
        n = 62_500
        x = rng.normal(size=(n, 10))
        days = np.minimum(np.ceil(rng.exponential(900 * np.exp(-x @ beta))), 2557)
        part = pd.DataFrame(x, columns=[f"x{j}" for j in range(10)])
        part["days"] = days.astype(np.int64)
        part["event"] = (days < 2557).astype(np.int8)
        part.to_parquet(tmp_path / f"part.{i:03d}.parquet", index=False)
        parts.append(part)
    whole = pd.concat(parts, ignore_index=True)
    del parts
    assert whole.memory_usage(deep=True).sum() > WORKER_MEMORY
    workers = set(client.scheduler_info()["workers"])
    covariates = [f"x{j}" for j in range(10)]
    got = fit_cox(tmp_path, "days", "event", covariates)
    assert set(client.scheduler_info()["workers"]) == workers  # no worker was killed
    assert_same_fit(got, fit_cox(whole, "days", "event", covariates), "newton")
    assert got.n == 5_000_000

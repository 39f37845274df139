"""Adjusted rates and trends on Dask equal the in-memory ones (and R's).

On Dask the model is one Cox fit of the partitions (the collapse route for registry data,
the Newton route for a continuous covariate) and the standardisation three passes over them
(:mod:`recidive.estimation._adjusted_passes`). The tests run on a ``distributed`` cluster of
two worker processes, so every pass's arguments and results are pickled as on a real one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dask_cluster import local_client

import recidive as rc
from recidive.estimation.adjusted_rates import COLUMNS
from recidive.estimation.cox import fit_cox
from tests.estimation._reference import DATA_DIR, R_DIR, arr, assert_close, load_json
from tests.trends.test_adjusted_rates_r import COVARIATES, HORIZONS, POINT, SE

dd = pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")
from recidive.dask import DaskCohort, DaskRegistry  # noqa: E402

TOL = 1e-10
NUMBERS = [c for c in COLUMNS if c not in ("horizon_years", "status")]
REF = load_json(R_DIR / "adjusted_rates.json")


@pytest.fixture(scope="module")
def client():
    with local_client(memory_limit=800e6) as c:
        yield c


@pytest.fixture(scope="module")
def cohorts(client):
    registry = rc.datasets.reference_registry(n_persons=5000, seed=3)
    tables = (
        dd.from_pandas(getattr(registry, t), npartitions=4)
        for t in ("persons", "cases", "detentions")
    )
    on_dask = rc.build_cohort(
        DaskRegistry(*tables, cutoff_date=registry.cutoff_date, npartitions=4)
    )
    assert isinstance(on_dask, DaskCohort)
    return rc.build_cohort(registry), on_dask


@pytest.fixture(scope="module")
def exit_cohorts():
    d = pd.read_csv(DATA_DIR / "exit_cohorts.csv")
    d["log1p_prior_cases"] = np.log1p(d["prior_cases"])
    return d


def assert_same_table(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same rows, statuses and NaNs; numbers within ``TOL`` (relative, or absolute near 0)."""
    assert got.columns.tolist() == expected.columns.tolist()
    labels = [c for c in expected.columns if c not in NUMBERS]
    pd.testing.assert_frame_equal(got[labels], expected[labels])
    for column in NUMBERS:
        a, b = got[column].to_numpy(float), expected[column].to_numpy(float)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=column)
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL, err_msg=column)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"method": "indirect"},
        {"reference": 2012, "ties": "breslow"},
        {"method": "indirect", "reference": 2012, "ties": "breslow"},
    ],
    ids=["direct", "indirect", "direct-base-year", "indirect-base-year"],
)
def test_trends_of_a_dask_cohort_equal_in_memory(cohorts, kwargs):
    in_memory, on_dask = cohorts
    call = {"criteria": ("general", "property"), "horizons": (2, 5, 7), **kwargs}
    expected = rc.recidivism_trends(in_memory, **call)
    got = rc.recidivism_trends(on_dask, **call)
    assert got.covariates == expected.covariates
    table = got.to_frame()
    # later exit years are not followed 7 years: those cells are NaN on Dask too
    assert (table["status"] == "insufficient_follow_up").any()
    assert (table["status"] == "ok").sum() > len(table) / 2
    assert_same_table(table, expected.to_frame())


@pytest.mark.parametrize("method", ["direct", "indirect"])
def test_a_continuous_covariate_takes_the_newton_route_and_equals_r(client, exit_cohorts, method):
    """The R reference data as a Dask frame: the same numbers as R (and as in memory)."""
    frame = exit_cohorts.assign(age=exit_cohorts["age"] + np.linspace(0, 0.5, len(exit_cohorts)))
    on_dask = dd.from_pandas(frame, npartitions=3)
    fit = fit_cox(on_dask, "days", "event", ["exit_year", *COVARIATES], ties="breslow")
    assert fit.metadata["route"] == "newton"  # a continuous age: rows do not collapse
    args = ("days", "event", "exit_year", COVARIATES, HORIZONS)
    got = rc.adjusted_rates(on_dask, *args, method=method, ties="breslow").to_frame()
    assert_same_table(
        got, rc.adjusted_rates(frame, *args, method=method, ties="breslow").to_frame()
    )

    # and the unshifted R data, as R has it
    got = rc.adjusted_rates(
        dd.from_pandas(exit_cohorts, npartitions=3), *args, method=method, ties="breslow"
    ).to_frame()
    block = REF[method]["breslow_all"]
    assert got["status"].tolist() == block["status"]
    field = "estimate" if method == "direct" else "adjusted"
    assert_close(got["adjusted_rate"], block[field], POINT, f"{method} on Dask")
    if method == "direct":
        assert_close(got["std_err"], block["std_err_dfbeta"], SE, "std_err on Dask")
    else:
        assert_close(got["expected_rate"], block["expected"], POINT, "expected on Dask")
    assert_close(got["observed_rate"], arr(REF["km"]["by_year"]["observed_rate"]), POINT, "KM")


def test_groups_never_followed_to_the_horizon_stay_out_on_dask(client, exit_cohorts):
    args = ("days", "event", "exit_year", COVARIATES, (5,))
    got = rc.adjusted_rates(dd.from_pandas(exit_cohorts, npartitions=4), *args).to_frame()
    expected = rc.adjusted_rates(exit_cohorts, *args).to_frame()
    assert_same_table(got, expected)
    short = got.loc[got["status"] == "insufficient_follow_up", "exit_year"].tolist()
    assert short == [2017, 2018, 2019]


def test_bad_rows_of_one_partition_are_one_clear_error(client, exit_cohorts):
    frame = exit_cohorts.astype({"exit_year": float})
    frame.loc[frame.index[-3:], "exit_year"] = np.nan
    with pytest.raises(rc.ArgumentError, match=r"group column 'exit_year' has missing .*partition"):
        rc.adjusted_rates(
            dd.from_pandas(frame, npartitions=3), "days", "event", "exit_year", COVARIATES
        )
    with pytest.raises(rc.ArgumentError, match=r"reference 1999 is not a level of 'exit_year'"):
        rc.adjusted_rates(
            dd.from_pandas(exit_cohorts, npartitions=3), "days", "event", "exit_year",
            COVARIATES, reference=1999,
        )  # fmt: skip

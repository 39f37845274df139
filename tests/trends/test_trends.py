"""recidivism_trends: the cohort-level call, and the synthetic check that the correction works.

The check: a registry whose true recidivism is the same in every exit year
(``constant_recidivism_parameters``: no true trend, no drift of prior cases) while later
cohorts are younger. Observed 2-year recidivism then rises over the years; the adjusted one
is flat, and near the population value of the generating model
(``exit_year_rates``: 1 - E[S(2 | X, year)] over the pooled composition).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import recidive as rc
from recidive.datasets import constant_recidivism_parameters, simulate_registry
from recidive.datasets._population import exit_year_rates

DOMESTIC = rc.CohortRules(population={"exploitation_form": ("binnenlands_seksueel",)})
YEARS = (2009, 2019)  # exit years with a full year of entries and two years of follow-up


@pytest.fixture(scope="module")
def constant_cohort():
    params = constant_recidivism_parameters()
    reg = simulate_registry(40000, seed=5, params=params, as_registry=True)
    cohort = rc.build_cohort(reg, DOMESTIC)
    # the generating model has log1p(prior cases): a column of the user's own
    cohort.persons["log1p_prior_cases"] = np.log1p(cohort.persons["prior_cases"])
    return cohort


def _slope(table: pd.DataFrame, column: str) -> tuple[float, float]:
    """Weighted least-squares slope per year and its z (weights 1 / std_err^2)."""
    x = table["exit_year"].to_numpy(float)
    y, w = table[column].to_numpy(), 1 / table["std_err"].to_numpy() ** 2
    design = np.c_[np.ones_like(x), x - x.mean()]
    cov = np.linalg.inv(design.T @ (w[:, None] * design))
    b = cov @ design.T @ (w * y)
    return float(b[1]), float(b[1] / np.sqrt(cov[1, 1]))


@pytest.mark.parametrize("method", ["direct", "indirect"])
def test_constant_recidivism_shifting_age_mix_observed_trend_flat_adjusted(constant_cohort, method):
    covariates = ["sex", "age_at_index", "log1p_prior_cases"]
    trend = rc.recidivism_trends(constant_cohort, covariates=covariates, method=method)
    table = trend.to_frame()
    table = table[table["exit_year"].between(*YEARS)]
    assert (table["status"] == "ok").all()
    observed_slope, observed_z = _slope(table, "observed_rate")
    adjusted_slope, adjusted_z = _slope(table, "adjusted_rate")
    assert observed_slope > 0.004 and observed_z > 4  # rises about 0.6 points a year
    assert abs(adjusted_z) < 2.5 and abs(adjusted_slope) < observed_slope / 4
    truth = exit_year_rates(constant_recidivism_parameters(), horizon=2)
    flat = truth["adjusted_rate"].dropna().to_numpy()
    assert np.ptp(flat) < 1e-12  # the model's own adjusted rate is flat
    z = (table["adjusted_rate"] - flat[0]) / table["std_err"]
    assert (z.abs() < 3.5).all(), z.round(2).tolist()


def test_trend_columns_criteria_and_the_defaults(constant_cohort):
    trend = rc.recidivism_trends(constant_cohort, criteria=("general", "violence"))
    table = trend.to_frame()
    assert table.columns.tolist() == [
        "criterion", "exit_year", "horizon_years", "n", "observed_rate", "expected_rate",
        "adjusted_rate", "std_err", "ci_lower", "ci_upper", "status",
    ]  # fmt: skip
    assert table["criterion"].unique().tolist() == ["general", "violence"]
    # one exploitation form in this cohort: that default covariate is left out
    assert trend.covariates == ("sex", "age_at_index", "prior_cases")
    # the latest exit years are never followed two years: NaN and the status
    late = table[table["exit_year"] >= 2021]
    assert (late["status"] == "insufficient_follow_up").all()
    assert late["adjusted_rate"].isna().all()
    counts = constant_cohort.persons["exit_year"].value_counts()
    general = table[table["criterion"] == "general"].set_index("exit_year")["n"]
    assert (general == counts.reindex(general.index)).all()


def test_trend_by_a_column_of_the_users_own_with_a_base_year(constant_cohort):
    persons = constant_cohort.persons
    persons["period"] = np.where(persons["exit_year"] < 2014, "early", "late")
    table = rc.recidivism_trends(
        constant_cohort, by="period", reference="early", method="indirect", horizons=(2, 5)
    ).to_frame()
    assert table["period"].tolist() == ["early", "early", "late", "late"]
    del persons["period"]


def test_trend_errors_name_the_fix(constant_cohort):
    with pytest.raises(rc.ArgumentError, match="by must be one person column"):
        rc.recidivism_trends(constant_cohort, by="region")
    with pytest.raises(rc.ArgumentError, match="not in cohort.persons"):
        rc.recidivism_trends(constant_cohort, covariates=["sex", "income"])
    with pytest.raises(rc.ArgumentError, match="nothing to adjust for"):
        rc.recidivism_trends(constant_cohort, covariates=["exploitation_form"])

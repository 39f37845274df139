"""Bad arguments raise ArgumentError with clear messages; separation warns."""

import numpy as np
import pandas as pd
import pytest

from recidive import ArgumentError, ConvergenceWarning, CoxModel
from recidive.estimation.cox import fit_cox


@pytest.fixture
def df():
    rng = np.random.default_rng(3)
    n = 60
    return pd.DataFrame({
        "days": rng.integers(1, 50, n), "event": rng.integers(0, 2, n),
        "young": rng.integers(0, 2, n), "prior": rng.poisson(1, n),
        "form": pd.Categorical(rng.choice(["a", "b", "c"], n)),
    })  # fmt: skip


def test_nan_in_covariate_names_column_and_count(df):
    df.loc[[3, 7], "prior"] = np.nan
    with pytest.raises(ArgumentError, match=r"covariate 'prior' has missing .* in 2 rows"):
        fit_cox(df, "days", "event", ["young", "prior"])


def test_constant_covariate(df):
    df["one"] = 1
    with pytest.raises(ArgumentError, match=r"covariate 'one' is constant .* all 60 rows"):
        fit_cox(df, "days", "event", ["young", "one"])


def test_empty_level(df):
    df["form"] = df["form"].cat.add_categories(["d"])
    with pytest.raises(ArgumentError, match=r"covariate 'form' has empty level\(s\) \['d'\]"):
        fit_cox(df, "days", "event", ["form"])


def test_all_censored(df):
    df["event"] = 0
    with pytest.raises(ArgumentError, match=r"no events: all 60 rows are censored"):
        fit_cox(df, "days", "event", ["young"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"covariates": ["nope"]}, r"covariate column \['nope'\] not in the frame"),
        ({"covariates": ["young"], "strata": "nope"}, r"strata column \['nope'\] not in"),
        ({"covariates": ["form"], "reference_levels": {"form": "z"}},
         r"reference level 'z' of covariate 'form' is not one of its levels"),
        ({"covariates": ["young"], "reference_levels": {"young": 1}}, r"numeric, not categ"),
        ({"covariates": []}, r"covariates is empty"),
    ],
)  # fmt: skip
def test_bad_arguments(df, kwargs, message):
    with pytest.raises(ArgumentError, match=message):
        fit_cox(df, "days", "event", **kwargs)


def test_bad_time_event_weights(df):
    bad = df.assign(days=df["days"] - 100)
    with pytest.raises(ArgumentError, match=r"'days' is negative in 60 rows"):
        fit_cox(bad, "days", "event", ["young"])
    with pytest.raises(ArgumentError, match=r"values other than 0/1 in 60 rows"):
        fit_cox(df.assign(event=2), "days", "event", ["young"])
    with pytest.raises(ArgumentError, match=r"weights column 'w' is negative in 60 rows"):
        fit_cox(df.assign(w=-1.0), "days", "event", ["young"], weights="w")
    with pytest.raises(ArgumentError, match=r"non-integer values in 60 rows"):
        fit_cox(df.assign(w=1.5), "days", "event", ["young"], weights="w")
    res = fit_cox(df.assign(w=1.5), "days", "event", ["young"], weights="w", ties="breslow")
    assert res.n == 90


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"ties": "exact"}, "ties must be"), ({"conf_level": 95}, "conf_level must lie"),
     ({"max_iter": -1}, "max_iter must be"), ({"tol": 0}, "tol must be")],
)  # fmt: skip
def test_bad_settings(kwargs, message):
    with pytest.raises(ArgumentError, match=message):
        CoxModel(**kwargs)


def test_unfitted_model():
    with pytest.raises(ArgumentError, match="not fitted yet"):
        CoxModel().summary  # noqa: B018


def test_separation_warns(df):
    df["sep"] = df["event"]  # perfectly predicts the event
    df.loc[df["sep"] == 1, "days"] = 1
    df.loc[0, ["sep", "event", "days"]] = [0, 0, 2]
    with pytest.warns(ConvergenceWarning, match=r"'sep'; coefficient may be infinite"):
        res = fit_cox(df, "days", "event", ["young", "sep"])
    assert res.coef[1] > 5

"""Immutable results of a Cox model fit."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy import special

from recidive.errors import ArgumentError
from recidive.estimation.cox._concordance import concordance as harrell_concordance

SUMMARY_COLUMNS = [
    "covariate",
    "coef",
    "std_err",
    "hazard_ratio",
    "ci_lower",
    "ci_upper",
    "z",
    "p_value",
]


@dataclass(frozen=True)
class TestResult:
    """A chi-square test: statistic, degrees of freedom and p-value."""

    statistic: float
    df: int
    p_value: float


def _chi2(stat: float, df: int) -> TestResult:
    return TestResult(float(stat), int(df), float(special.chdtrc(df, stat)))


@dataclass(frozen=True, eq=False)
class CoxResults:
    """A fitted Cox proportional hazards model.

    Made by :func:`recidive.estimation.cox.fit_cox` (or ``CoxModel.fit``).
    ``to_frame()`` gives the coefficient table with the fixed columns
    ``covariate, coef, std_err, hazard_ratio, ci_lower, ci_upper, z, p_value``;
    the confidence level is in ``metadata["conf_level"]``.

    Attributes
    ----------
    coef, std_err : ndarray
        Coefficients (log hazard ratios) and their standard errors (robust if
        the model was fitted with ``robust=True``).
    variance_matrix, naive_variance_matrix : ndarray
        Variance used for the table, and the model-based (inverse information) one.
    log_likelihood, log_likelihood_null : float
        Log partial likelihood at the estimate and at zero.
    likelihood_ratio_test, wald_test, score_test : TestResult
        As R ``summary(coxph)``: the score test is at zero; the Wald test uses
        ``variance_matrix``.
    n_iter : int
        Newton-Raphson iterations (R's ``iter``).
    converged : bool
    n, n_events : float
        Persons (sum of frequency weights) and events.
    metadata : mapping
        ``ties, conf_level, n, n_events, n_rows, n_distinct_rows, robust, strata, weights,
        reference_levels, covariates, package_version``.
    """

    names: tuple[str, ...]
    coef: np.ndarray
    variance_matrix: np.ndarray
    naive_variance_matrix: np.ndarray
    log_likelihood: float
    log_likelihood_null: float
    score_statistic: float
    n_iter: int
    converged: bool
    n: float
    n_events: float
    metadata: MappingProxyType
    _concordance_inputs: tuple = field(repr=False, default=())
    _design: object = field(repr=False, default=None)
    _risk_sets: object = field(repr=False, default=None)
    _final: object = field(repr=False, default=None)

    def __post_init__(self) -> None:
        for arr in (self.coef, self.variance_matrix, self.naive_variance_matrix):
            arr.setflags(write=False)

    @property
    def std_err(self) -> np.ndarray:
        return np.sqrt(np.diag(self.variance_matrix))

    @property
    def hazard_ratio(self) -> np.ndarray:
        return np.exp(self.coef)

    @property
    def df(self) -> int:
        return len(self.coef)

    @property
    def likelihood_ratio_test(self) -> TestResult:
        return _chi2(2 * (self.log_likelihood - self.log_likelihood_null), self.df)

    @property
    def wald_test(self) -> TestResult:
        stat = self.coef @ np.linalg.solve(self.variance_matrix, self.coef)
        return _chi2(stat, self.df)

    @property
    def score_test(self) -> TestResult:
        return _chi2(self.score_statistic, self.df)

    @cached_property
    def _concordance(self):
        self._require_rows("the concordance")
        return harrell_concordance(*self._concordance_inputs)

    def _require_rows(self, what: str) -> None:
        """Raise when the fit kept no rows (distributed Newton route on Dask data)."""
        if self._risk_sets is None:
            raise ArgumentError(
                f"{what} needs the rows of the data, which a Cox model fitted on Dask "
                "data by distributed Newton-Raphson (covariates that do not collapse to "
                "few distinct rows) does not keep; fit the same model in memory on a "
                "sample (e.g. ddf.sample(frac=0.1).compute()) for it, or make the "
                "covariates categorical so that the rows collapse"
            )

    @property
    def concordance(self) -> float:
        """Harrell's C as R ``coxph$concordance`` (computed on first access)."""
        return float(self._concordance.concordance)

    @property
    def concordance_std_err(self) -> float:
        return float(self._concordance.std_err)

    @property
    def concordance_counts(self) -> dict:
        """``concordant, discordant, tied_x, tied_y, tied_xy`` (weighted pair counts)."""
        c = self._concordance
        return {
            "concordant": c.concordant,
            "discordant": c.discordant,
            "tied_x": c.tied_x,
            "tied_y": c.tied_y,
            "tied_xy": c.tied_xy,
        }

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table (one row per model column)."""
        se = self.std_err
        zq = special.ndtri(1 - (1 - self.metadata["conf_level"]) / 2)
        z = self.coef / se
        return pd.DataFrame(
            {
                "covariate": list(self.names),
                "coef": self.coef,
                "std_err": se,
                "hazard_ratio": np.exp(self.coef),
                "ci_lower": np.exp(self.coef - zq * se),
                "ci_upper": np.exp(self.coef + zq * se),
                "z": z,
                "p_value": 2 * special.ndtr(-np.abs(z)),
            },
            columns=SUMMARY_COLUMNS,
        )

    def tests_frame(self) -> pd.DataFrame:
        """Likelihood-ratio, Wald and score tests: ``test, statistic, df, p_value``."""
        rows = [
            ("likelihood_ratio", self.likelihood_ratio_test),
            ("wald", self.wald_test),
            ("score", self.score_test),
        ]
        return pd.DataFrame(
            [(name, t.statistic, t.df, t.p_value) for name, t in rows],
            columns=["test", "statistic", "df", "p_value"],
        )

    def __repr__(self) -> str:
        m = self.metadata
        return (
            f"CoxResults(ties={m['ties']!r}, n={self.n:g}, n_events={self.n_events:g}, "
            f"log_likelihood={self.log_likelihood:.4f})\n{self.to_frame().to_string(index=False)}"
        )

    def _repr_html_(self) -> str:
        m = self.metadata
        head = (
            f"<p><b>Cox proportional hazards</b> (ties: {html.escape(m['ties'])}; "
            f"n = {self.n:g}, events = {self.n_events:g}; "
            f"CI level {m['conf_level']:.0%}; log-likelihood {self.log_likelihood:.3f})</p>"
        )
        return head + self.to_frame().to_html(index=False, float_format=lambda v: f"{v:.4g}")

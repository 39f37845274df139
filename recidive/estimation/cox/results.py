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
from recidive.estimation.cox._aliased import singular_columns
from recidive.estimation.cox._concordance import concordance as harrell_concordance

SUMMARY_COLUMNS = [
    "covariate",
    "coef",
    "std_err",
    "naive_std_err",
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
    ``covariate, coef, std_err, naive_std_err, hazard_ratio, ci_lower, ci_upper, z,
    p_value``; the confidence level is in ``metadata["conf_level"]``.

    Attributes
    ----------
    coef, std_err, naive_std_err : ndarray
        Coefficients (log hazard ratios), their standard errors (robust if the
        model was fitted with ``robust=True`` or a ``cluster``: then ``z``, the
        p-values and the intervals use them) and the model-based standard errors
        (the same as ``std_err`` when not robust). An aliased covariate has NaN
        in all three (R: coefficient NA; see ``metadata["aliased"]``).
    variance_matrix, naive_variance_matrix : ndarray
        Variance used for the table, and the model-based (inverse information) one;
        NaN in the rows and columns of aliased covariates.
    log_likelihood, log_likelihood_null : float
        Log partial likelihood at the estimate and at zero.
    likelihood_ratio_test, wald_test, score_test : TestResult
        As R ``summary(coxph)``: the score test is model-based, at zero; the Wald
        test uses ``variance_matrix`` (robust when robust). Their degrees of
        freedom count the estimated (not aliased) coefficients.
    robust_score_test : TestResult or None
        R's robust score test (``summary(coxph)$robscore``) when the variance is
        robust, else None.
    n_iter : int
        Newton-Raphson iterations (R's ``iter``).
    converged : bool
    n, n_events : float
        Persons (sum of frequency weights) and events.
    metadata : mapping
        ``ties, conf_level, n, n_events, n_rows, n_distinct_rows, robust, strata, weights,
        entry, cluster, aliased, reference_levels, covariates, package_version`` (and
        ``n_clusters`` with a cluster).
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
    robust_score_statistic: float | None = None
    _concordance_inputs: tuple = field(repr=False, default=())
    _design: object = field(repr=False, default=None)
    _risk_sets: object = field(repr=False, default=None)
    _final: object = field(repr=False, default=None)
    _kept: np.ndarray | None = field(repr=False, default=None)

    def __post_init__(self) -> None:
        for arr in (self.coef, self.variance_matrix, self.naive_variance_matrix):
            arr.setflags(write=False)
        if self._kept is None:
            object.__setattr__(self, "_kept", np.isfinite(self.coef))

    @property
    def std_err(self) -> np.ndarray:
        return np.sqrt(np.diag(self.variance_matrix))

    @property
    def naive_std_err(self) -> np.ndarray:
        """Model-based standard errors (inverse information), robust or not."""
        return np.sqrt(np.diag(self.naive_variance_matrix))

    @property
    def hazard_ratio(self) -> np.ndarray:
        return np.exp(self.coef)

    @property
    def df(self) -> int:
        """Degrees of freedom of the tests: the estimated (not aliased) coefficients."""
        return int(np.count_nonzero(self._kept))

    @property
    def likelihood_ratio_test(self) -> TestResult:
        return _chi2(2 * (self.log_likelihood - self.log_likelihood_null), self.df)

    @property
    def wald_test(self) -> TestResult:
        """Wald test of all estimated coefficients, as R's ``coxph.wtest``: a (robust)
        variance that is singular is solved on its non-singular part (in-order Cholesky),
        with that many degrees of freedom."""
        k = self._kept
        coef, variance = self.coef[k], self.variance_matrix[np.ix_(k, k)]
        ok = ~singular_columns(variance)
        stat = coef[ok] @ np.linalg.solve(variance[np.ix_(ok, ok)], coef[ok]) if ok.any() else 0.0
        return _chi2(stat, int(ok.sum()))

    @property
    def score_test(self) -> TestResult:
        return _chi2(self.score_statistic, self.df)

    @property
    def robust_score_test(self) -> TestResult | None:
        """R's robust score test at zero (``summary(coxph)$robscore``); None when not robust."""
        if self.robust_score_statistic is None:
            return None
        return _chi2(self.robust_score_statistic, self.df)

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
                "naive_std_err": self.naive_std_err,
                "hazard_ratio": np.exp(self.coef),
                "ci_lower": np.exp(self.coef - zq * se),
                "ci_upper": np.exp(self.coef + zq * se),
                "z": z,
                "p_value": 2 * special.ndtr(-np.abs(z)),
            },
            columns=SUMMARY_COLUMNS,
        )

    def tests_frame(self) -> pd.DataFrame:
        """Likelihood-ratio, Wald and score tests: ``test, statistic, df, p_value``.

        With a robust variance also R's robust score test (``robust_score``).
        """
        rows = [
            ("likelihood_ratio", self.likelihood_ratio_test),
            ("wald", self.wald_test),
            ("score", self.score_test),
        ]
        if self.robust_score_test is not None:
            rows.append(("robust_score", self.robust_score_test))
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

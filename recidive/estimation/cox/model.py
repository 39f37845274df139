"""Cox proportional hazards: the function :func:`fit_cox` and the thin class :class:`CoxModel`."""

from __future__ import annotations

import warnings
from types import MappingProxyType

import numpy as np
import pandas as pd

from recidive import _engines, defaults
from recidive._arguments import check_conf_level, shown
from recidive._version import __version__
from recidive.errors import ArgumentError, ConvergenceWarning
from recidive.estimation.cox._aliased import expand_matrix, expand_vector
from recidive.estimation.cox._columns import (
    checked_entry,
    checked_outcome,
    cluster_codes,
    robust_setting,
    strata_codes,
)
from recidive.estimation.cox._design import build_design
from recidive.estimation.cox._fitting import Fitted, ModelRows, fit_model, risk_sets, variances
from recidive.estimation.cox._partial_likelihood import linear_predictor
from recidive.estimation.cox.prediction import predict_survival, standardized_survival
from recidive.estimation.cox.results import CoxResults
from recidive.estimation.cox.zph import cox_zph

_TIES = ("efron", "breslow")


def _check_settings(ties, conf_level, max_iter, tol) -> None:
    if ties not in _TIES:
        raise ArgumentError(f"ties must be 'efron' or 'breslow', got {shown(ties)}")
    check_conf_level(conf_level)
    if isinstance(max_iter, bool) or not isinstance(max_iter, int | np.integer) or max_iter < 0:
        raise ArgumentError(f"max_iter must be a non-negative integer, got {shown(max_iter)}")
    if isinstance(tol, bool) or not isinstance(tol, float | int) or not 0 < tol < 1:
        raise ArgumentError(f"tol must be a number between 0 and 1, got {shown(tol)}")


def fit_cox(
    frame: pd.DataFrame,
    duration: str,
    event: str,
    covariates,
    strata=None,
    weights: str | None = None,
    robust: bool = False,
    reference_levels: dict | None = None,
    ties: str = "efron",
    conf_level: float = defaults.CONF_LEVEL,
    max_iter: int = 20,
    tol: float = 1e-9,
    *,
    collapse: bool = True,
    entry: str | None = None,
    cluster: str | None = None,
) -> CoxResults:
    """Fit a Cox proportional hazards model by Newton-Raphson, as R ``coxph``.

    Parameters
    ----------
    frame : DataFrame
        One row per person (or per covariate pattern, with ``weights``); with
        ``entry``, one row per interval at risk (counting-process data).
    duration, event : str
        Columns with the follow-up (stop) time (non-negative) and the event flag (0/1).
    covariates : list of str
        Numeric columns enter as they are; categorical/object columns become
        dummies ``col[level]`` against a reference level (the first category,
        or ``reference_levels[col]``). With ``entry`` they may change between a
        person's rows (time-varying covariates).
    strata : str or list of str, optional
        Columns whose combinations get their own baseline hazard.
    weights : str, optional
        Column of frequency weights: a row of weight ``k`` counts as ``k``
        identical rows, so every result (including Efron's tie correction,
        the robust variance and the concordance) equals that of the expanded
        data (with a cluster, the copies stay in the row's cluster). With
        ``ties="efron"`` they must be whole numbers. (R's ``coxph(weights=)``
        uses a weighted Efron formula, and without a cluster a sandwich of
        ``(w dfbeta)^2``; both agree with this for Breslow estimates, and with a
        cluster also for the robust variance.)
    robust : bool
        Robust (sandwich) variance from the dfbeta residuals, as R
        ``coxph(robust=TRUE)``; each row is its own unit. Implied by ``cluster``;
        with ``entry`` it needs ``cluster`` (a person's rows are not independent).
    reference_levels : dict, optional
        ``{column: level}`` for categorical covariates.
    ties : {"efron", "breslow"}
    conf_level : float
        Level of the hazard-ratio confidence intervals.
    max_iter : int
        Newton-Raphson iterations (R's ``iter.max``, default 20).
    tol : float
        Convergence when ``abs(1 - loglik_old / loglik_new) <= tol`` (R's ``eps``).
    collapse : bool
        Merge identical rows into frequency weights before fitting (see Notes). Exact
        either way; ``False`` (fit row by row in memory, the distributed Newton route on
        Dask) is only for tests and benchmarks.
    entry : str, optional (keyword only)
        Column of entry (start) times: each row is an interval ``(entry, duration]``
        at risk, as R ``coxph(Surv(start, stop, event) ~ ...)``: delayed entry,
        time-varying covariates (one row per period with constant covariates) and
        gaps not at risk (periods without a row, such as detention). Recurrent
        events: one row per event, with ``cluster`` (Andersen-Gill).
    cluster : str, optional (keyword only)
        Column of cluster (person) ids: the variance is robust, summing each
        cluster's dfbeta residuals (R ``cluster(id)``); ``summary["std_err"]`` is
        then the robust standard error, ``summary["naive_std_err"]`` the
        model-based one, the Wald test uses the robust variance and
        :attr:`CoxResults.robust_score_test` is R's robust score test.

    Returns
    -------
    CoxResults

    Raises
    ------
    ArgumentError
        Missing columns, missing values, negative times, event not 0/1, no
        events, constant covariates, empty categorical levels, bad weights, an
        entry not before its duration, robust errors with entry but no cluster.

    Warns
    -----
    AliasedCovariateWarning
        A covariate is constant within every stratum or a linear combination of
        other covariates (the later one in the covariate order, as R): its
        coefficient and standard errors are NaN (R: NA) and the rest of the
        model, its tests and their degrees of freedom are R's.
    ConvergenceWarning
        When a coefficient may be infinite (separation) or the iterations ran out.

    Notes
    -----
    Rows that agree on stratum, time, event, entry and every covariate are merged into
    one row with their summed frequency weight before fitting, which gives exactly the
    result of the rows themselves; registry data (integer days, categorical covariates)
    shrink several-fold, and the merged rows come out sorted, so no sort is needed.
    ``metadata["n_distinct_rows"]`` is the number of rows fitted. Covariates with many
    distinct values (continuous ones) are fitted row by row, and so are clustered fits
    (the robust variance sums rows per cluster).

    On counting-process data (``entry``) predictions, standardised survival and
    ``cox_zph`` are R's: predictions are for covariates held fixed from time 0
    (R ``survfit(fit, newdata)`` without ``id``), ``cox_zph`` uses the
    Kaplan-Meier transform with delayed entry, and the concordance compares an
    event with the rows at risk at its time (R ``concordance4``).

    Examples
    --------
    >>> import pandas as pd
    >>> from recidive.estimation.cox import fit_cox
    >>> df = pd.DataFrame({"days": [5, 8, 12, 20, 25, 30, 41, 50],
    ...                    "event": [1, 1, 0, 1, 1, 0, 1, 0],
    ...                    "young": [1, 0, 1, 1, 0, 1, 0, 0]})
    >>> res = fit_cox(df, "days", "event", ["young"])
    >>> res.to_frame().columns.tolist()[:4]
    ['covariate', 'coef', 'std_err', 'naive_std_err']

    Counting-process rows: person 1 is detained from day 10 to 15 (a gap) and
    ``young`` changes for person 2 on day 6.

    >>> cp = pd.DataFrame({"id": [1, 1, 2, 2, 3, 4], "start": [0, 15, 0, 6, 0, 3],
    ...                    "stop": [10, 30, 6, 20, 25, 40], "event": [0, 1, 0, 1, 1, 0],
    ...                    "young": [1, 1, 0, 1, 0, 0]})
    >>> res = fit_cox(cp, "stop", "event", ["young"], entry="start", cluster="id")
    >>> res.metadata["robust"], res.to_frame().shape
    (True, (1, 10))
    """
    _check_settings(ties, conf_level, max_iter, tol)
    if _engines.is_distributed(frame):
        return _engines.implementation("fit_cox")(
            frame, duration, event, covariates, strata=strata, weights=weights, robust=robust,
            reference_levels=reference_levels, ties=ties, conf_level=conf_level,
            max_iter=max_iter, tol=tol, collapse=collapse, entry=entry, cluster=cluster,
        )  # fmt: skip
    if not isinstance(frame, pd.DataFrame):
        raise ArgumentError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    if len(frame) == 0:
        raise ArgumentError("frame has no rows")
    time, status, w = checked_outcome(frame, duration, event, weights, ties)
    start = checked_entry(frame, entry, duration, time)
    clusters = cluster_codes(frame, cluster)
    robust = robust_setting(robust, entry, cluster)
    stratum, strata_cols, strata_levels = strata_codes(frame, strata)
    design, _ = build_design(frame, covariates, reference_levels, matrix=False)
    if w is None:
        n_rows, n_total, n_events = len(time), float(len(time)), float(np.count_nonzero(status))
    else:
        n_rows, n_total, n_events = int((w > 0).sum()), float(w.sum()), float(w @ status)
    rows = ModelRows(time, status, w, stratum, start, clusters)
    rs, sorted_clusters = risk_sets(
        frame, design, rows, bool(strata_cols), ties, collapse, n_events, n_rows, event
    )
    del rows
    rs, nf, kept, at_zero = fit_model(rs, design.names, strata_cols, max_iter, tol)
    warn_convergence(
        nf, tuple(n for n, k in zip(design.names, kept, strict=True) if k), max_iter, tol
    )
    variance, robust_score = variances(Fitted(rs, nf, kept, at_zero, sorted_clusters), robust)
    lp = linear_predictor(rs, nf.beta)
    counts = dict(n=n_total, n_events=n_events, n_rows=n_rows, n_distinct_rows=len(rs.time))
    if sorted_clusters is not None:
        counts["n_clusters"] = int(sorted_clusters.max()) + 1
    return assemble_results(
        design, nf, variance,
        settings=dict(
            ties=ties, conf_level=conf_level, robust=robust, strata=strata_cols,
            strata_levels=strata_levels, weights=weights, duration=duration, event=event,
            max_iter=max_iter, tol=tol, entry=entry, cluster=cluster,
        ),
        counts=counts, means=rs.means, kept=kept, robust_score=robust_score,
        _concordance_inputs=(rs.time, rs.event, rs.weight, rs.stratum, lp, rs.entry,
                             sorted_clusters),
        _risk_sets=rs,
    )  # fmt: skip


def assemble_results(
    design, nf, variance, settings: dict, counts: dict, means, route: str | None = None,
    kept: np.ndarray | None = None, robust_score: float | None = None, **private,
) -> CoxResults:  # fmt: skip
    """The immutable results of a converged fit, shared by the in-memory and Dask paths.

    ``settings`` are the fit's arguments (ties, conf_level, robust, strata, strata_levels,
    weights, duration, event, max_iter, tol, and optionally entry and cluster); ``counts``
    are n, n_events, n_rows and n_distinct_rows (and n_clusters); ``kept`` marks the model
    columns that were estimated (the others are aliased: NaN); ``private`` are the fields
    that later computations need (concordance inputs, risk sets).
    """
    names = design.names
    kept = np.ones(len(names), dtype=bool) if kept is None else kept
    metadata = {
        "ties": settings["ties"],
        "conf_level": float(settings["conf_level"]),
        **counts,
        "robust": bool(settings["robust"]),
        "strata": tuple(settings["strata"]),
        "strata_levels": settings["strata_levels"],
        "weights": settings["weights"],
        "duration": settings["duration"],
        "event": settings["event"],
        "entry": settings.get("entry"),
        "cluster": settings.get("cluster"),
        "covariates": design.covariates,
        "reference_levels": dict(design.reference_levels),
        "means": dict(
            zip([n for n, k in zip(names, kept, strict=True) if k], means.tolist(), strict=True)
        ),  # fmt: skip
        "aliased": tuple(n for n, k in zip(names, kept, strict=True) if not k),
        "max_iter": settings["max_iter"],
        "tol": settings["tol"],
        "package_version": __version__,
    }
    if route is not None:
        metadata["route"] = route
    return CoxResults(
        names=names,
        coef=expand_vector(nf.beta, kept),
        variance_matrix=expand_matrix(variance, kept),
        naive_variance_matrix=expand_matrix(nf.variance, kept),
        log_likelihood=nf.loglik,
        log_likelihood_null=nf.loglik_null,
        score_statistic=nf.score_test,
        n_iter=nf.n_iter,
        converged=nf.converged,
        n=counts["n"],
        n_events=counts["n_events"],
        metadata=MappingProxyType(metadata),
        robust_score_statistic=robust_score,
        _design=design,
        _final=nf.final,
        _kept=kept,
        **private,
    )


def warn_convergence(nf, names, max_iter, tol) -> None:
    """Warn (:class:`~recidive.errors.ConvergenceWarning`) as R ``coxph`` does.

    When the iterations ran out, or when a coefficient may be infinite (separation): the
    log-likelihood converged while the step of that coefficient did not. ``stacklevel``
    points at the caller of :func:`fit_cox`, in memory and on Dask alike.
    """
    if max_iter <= 1:
        return
    if not nf.converged:
        warnings.warn(
            f"Ran out of iterations ({max_iter}) and did not converge; increase max_iter, "
            "or look for covariates that separate events from non-events",
            ConvergenceWarning,
            stacklevel=3,
        )
        return
    step = nf.step
    infs = ~np.isfinite(nf.final.score) | ((step > tol) & (step > np.sqrt(tol) * np.abs(nf.beta)))
    if infs.any():
        which = ", ".join(repr(n) for n, flag in zip(names, infs, strict=True) if flag)
        warnings.warn(
            f"Loglik converged before variable {which}; coefficient may be infinite. "
            "Some level or value of it may have no events (separation); merge levels, "
            "drop the covariate or check the data",
            ConvergenceWarning,
            stacklevel=3,
        )


class CoxModel:
    """Cox proportional hazards model (Efron or Breslow ties), as R ``coxph``.

    A thin class over :func:`fit_cox`: it keeps the settings, and after
    ``fit`` exposes the results with a trailing underscore.

    Parameters
    ----------
    ties : {"efron", "breslow"}
    conf_level : float
    max_iter : int
        R's ``iter.max`` (20).
    tol : float
        R's ``eps`` (1e-9) on the relative change of the log-likelihood.

    Examples
    --------
    >>> import pandas as pd
    >>> from recidive import CoxModel
    >>> df = pd.DataFrame({"days": [5, 8, 12, 20, 25, 30, 41, 50],
    ...                    "event": [1, 1, 0, 1, 1, 0, 1, 0],
    ...                    "young": [1, 0, 1, 1, 0, 1, 0, 0]})
    >>> cox = CoxModel().fit(df, duration="days", event="event", covariates=["young"])
    >>> list(cox.summary.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['covariate', 'coef', 'std_err', 'naive_std_err', 'hazard_ratio', 'ci_lower', 'ci_upper',
     'z', 'p_value']
    """

    def __init__(
        self,
        ties: str = "efron",
        conf_level: float = defaults.CONF_LEVEL,
        max_iter: int = 20,
        tol: float = 1e-9,
    ) -> None:
        _check_settings(ties, conf_level, max_iter, tol)
        self.ties, self.conf_level, self.max_iter, self.tol = ties, conf_level, max_iter, tol

    def fit(
        self,
        frame: pd.DataFrame,
        duration: str,
        event: str,
        covariates,
        strata=None,
        weights: str | None = None,
        robust: bool = False,
        reference_levels: dict | None = None,
        *,
        entry: str | None = None,
        cluster: str | None = None,
    ) -> CoxModel:
        """Fit the model (see :func:`fit_cox`; ``entry`` and ``cluster`` for
        counting-process data and clustered errors) and return ``self``."""
        self.results_ = fit_cox(
            frame, duration, event, covariates, strata=strata, weights=weights,
            robust=robust, reference_levels=reference_levels, ties=self.ties,
            conf_level=self.conf_level, max_iter=self.max_iter, tol=self.tol,
            entry=entry, cluster=cluster,
        )  # fmt: skip
        r = self.results_
        self.coef_ = pd.Series(r.coef, index=list(r.names), name="coef")
        self.variance_matrix_ = pd.DataFrame(r.variance_matrix, index=r.names, columns=r.names)
        self.log_likelihood_ = r.log_likelihood
        self.log_likelihood_null_ = r.log_likelihood_null
        self.likelihood_ratio_test_ = r.likelihood_ratio_test
        self.wald_test_ = r.wald_test
        self.score_test_ = r.score_test
        self.robust_score_test_ = r.robust_score_test
        self.n_iter_ = r.n_iter
        self.converged_ = r.converged
        self.n_ = r.n
        self.n_events_ = r.n_events
        return self

    def _fitted(self) -> CoxResults:
        if not hasattr(self, "results_"):
            raise ArgumentError("this CoxModel is not fitted yet; call fit() first")
        return self.results_

    @property
    def summary(self) -> pd.DataFrame:
        """The coefficient table (``CoxResults.to_frame()``)."""
        return self._fitted().to_frame()

    @property
    def concordance_(self) -> float:
        return self._fitted().concordance

    @property
    def concordance_std_err_(self) -> float:
        return self._fitted().concordance_std_err

    def check_proportional_hazards(self, transform: str = "km"):
        """Test of proportional hazards, as R ``cox.zph`` (see :func:`cox_zph`)."""
        return cox_zph(self._fitted(), transform=transform)

    def predict_survival(self, frame: pd.DataFrame, times) -> pd.DataFrame:
        """Predicted survival of each row at ``times`` (see :func:`predict_survival`)."""
        return predict_survival(self._fitted(), frame, times)

    def standardized_survival(self, frame: pd.DataFrame, group: str, times) -> pd.DataFrame:
        """Covariate-adjusted survival per level of ``group`` (see :func:`standardized_survival`)."""
        return standardized_survival(self._fitted(), frame, group, times)

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
from recidive.estimation.cox._collapse import collapse_rows
from recidive.estimation.cox._design import (
    as_list,
    build_design,
    constant_error,
    missing_strata_error,
    no_events_error,
    require_columns,
)
from recidive.estimation.cox._partial_likelihood import (
    build_risk_sets,
    newton_raphson,
    score_residuals,
    weighted_crossprod,
)
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


def _numeric(frame: pd.DataFrame, column: str, role: str) -> np.ndarray:
    values = frame[column]
    if values.dtype.kind not in "biuf":
        raise ArgumentError(f"{role} column {column!r} must be numeric, got dtype {values.dtype}")
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "biu":
        return values.to_numpy()  # no copy: integers are finite
    arr = values.to_numpy(dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ArgumentError(
            f"{role} column {column!r} has missing or infinite values in {int(bad.sum())} rows; "
            "drop those rows before fitting"
        )
    return arr


def strata_codes(frame: pd.DataFrame, strata) -> tuple[np.ndarray, list, tuple]:
    """Stratum code of each row, the strata columns and the levels (sorted combinations).

    The codes number the combinations of the strata columns present in ``frame``, in
    sorted order; a single stratum (no strata) is code 0 with no levels.
    """
    cols = as_list(strata, "strata")
    if not cols:
        return np.zeros(len(frame), dtype=np.int64), [], ()
    require_columns(frame, cols, "strata")
    for c in cols:
        n_bad = int(frame[c].isna().sum())
        if n_bad:
            raise missing_strata_error(c, n_bad)
    keys = pd.MultiIndex.from_frame(frame[cols])
    codes, levels = pd.factorize(keys, sort=True)
    return codes.astype(np.int64), cols, tuple(levels)


def checked_outcome(frame: pd.DataFrame, duration: str, event: str, weights, ties: str):
    """Checked follow-up times, 0/1 events and frequency weights (None: all 1) of ``frame``.

    The argument errors of :func:`fit_cox` for these columns (missing, not numeric, missing
    values, negative times, events other than 0/1, negative or, with Efron ties, fractional
    weights).
    """
    require_columns(frame, [duration, event], "duration/event")
    time = _numeric(frame, duration, "duration")
    if (time < 0).any():
        raise ArgumentError(
            f"duration column {duration!r} is negative in {int((time < 0).sum())} rows; "
            "follow-up time must be >= 0"
        )
    status = _numeric(frame, event, "event")
    not01 = (status != 0) & (status != 1)
    if not01.any():
        raise ArgumentError(
            f"event column {event!r} has values other than 0/1 in {int(not01.sum())} rows"
        )
    if weights is None:
        w = None  # unit weights, made only if the rows are fitted one by one
    else:
        require_columns(frame, [weights], "weights")
        w = _numeric(frame, weights, "weights").astype(float, copy=False)
        if (w < 0).any():
            raise ArgumentError(
                f"weights column {weights!r} is negative in {int((w < 0).sum())} rows"
            )
        if ties == "efron" and (w != np.round(w)).any():
            raise ArgumentError(
                f"weights column {weights!r} has non-integer values in "
                f"{int((w != np.round(w)).sum())} rows; frequency weights must be whole numbers "
                "with ties='efron' (use ties='breslow' for non-integer weights)"
            )
    return time, status, w


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
) -> CoxResults:
    """Fit a Cox proportional hazards model by Newton-Raphson, as R ``coxph``.

    Parameters
    ----------
    frame : DataFrame
        One row per person (or per covariate pattern, with ``weights``).
    duration, event : str
        Columns with the follow-up time (non-negative) and the event flag (0/1).
    covariates : list of str
        Numeric columns enter as they are; categorical/object columns become
        dummies ``col[level]`` against a reference level (the first category,
        or ``reference_levels[col]``).
    strata : str or list of str, optional
        Columns whose combinations get their own baseline hazard.
    weights : str, optional
        Column of frequency weights: a row of weight ``k`` counts as ``k``
        identical persons, so every result (including Efron's tie correction,
        the robust variance and the concordance) equals that of the expanded
        data. With ``ties="efron"`` they must be whole numbers. (R's
        ``coxph(weights=)`` uses a weighted Efron formula and case-weight
        sandwich instead; it agrees with this for Breslow estimates.)
    robust : bool
        Robust (sandwich) variance from the dfbeta residuals, as R
        ``coxph(robust=TRUE)``.
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

    Returns
    -------
    CoxResults

    Raises
    ------
    ArgumentError
        Missing columns, missing values, negative times, event not 0/1, no
        events, constant covariates, empty categorical levels, bad weights.

    Warns
    -----
    ConvergenceWarning
        When a coefficient may be infinite (separation) or the iterations ran out.

    Notes
    -----
    Rows that agree on stratum, time, event and every covariate are merged into one row
    with their summed frequency weight before fitting, which gives exactly the result of
    the rows themselves; registry data (integer days, categorical covariates) shrink
    several-fold, and the merged rows come out sorted, so no sort is needed.
    ``metadata["n_distinct_rows"]`` is the number of rows fitted. Covariates with many
    distinct values (continuous ones) are fitted row by row.

    Examples
    --------
    >>> import pandas as pd
    >>> from recidive.estimation.cox import fit_cox
    >>> df = pd.DataFrame({"days": [5, 8, 12, 20, 25, 30, 41, 50],
    ...                    "event": [1, 1, 0, 1, 1, 0, 1, 0],
    ...                    "young": [1, 0, 1, 1, 0, 1, 0, 0]})
    >>> res = fit_cox(df, "days", "event", ["young"])
    >>> res.to_frame().columns.tolist()[:3]
    ['covariate', 'coef', 'std_err']
    """
    _check_settings(ties, conf_level, max_iter, tol)
    if _engines.is_distributed(frame):
        return _engines.implementation("fit_cox")(
            frame, duration, event, covariates, strata=strata, weights=weights, robust=robust,
            reference_levels=reference_levels, ties=ties, conf_level=conf_level,
            max_iter=max_iter, tol=tol, collapse=collapse,
        )  # fmt: skip
    if not isinstance(frame, pd.DataFrame):
        raise ArgumentError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    if len(frame) == 0:
        raise ArgumentError("frame has no rows")
    time, status, w = checked_outcome(frame, duration, event, weights, ties)
    stratum, strata_cols, strata_levels = strata_codes(frame, strata)
    design, _ = build_design(frame, covariates, reference_levels, matrix=False)
    if w is None:
        n_rows, n_total, n_events = len(time), float(len(time)), float(np.count_nonzero(status))
    else:
        n_rows, n_total, n_events = int((w > 0).sum()), float(w.sum()), float(w @ status)
    rows = None
    if collapse:
        rows = collapse_rows(frame, design, time, status, w, stratum if strata_cols else None)
    if rows is None:
        x = design.matrix(frame)
        for j, name in enumerate(design.names):
            if len(x) and np.all(x[:, j] == x[0, j]):
                raise constant_error(name, x[0, j], len(x))
        time, status = time.astype(float), status.astype(float)
        w = np.ones(len(time)) if w is None else w
        keep = w > 0
        if not keep.all():
            frame_rows = np.flatnonzero(keep)
            x, time, status, w, stratum = (
                x[frame_rows], time[frame_rows], status[frame_rows], w[frame_rows],
                stratum[frame_rows],
            )  # fmt: skip
    if n_events == 0:
        raise no_events_error(n_rows, event)
    if rows is None:
        rs = build_risk_sets(x, time, status == 1, w, stratum, ties)
    else:
        rs = build_risk_sets(
            rows.x, rows.time, rows.event, rows.weight, rows.stratum, ties, presorted=True,
            pattern=rows.pattern, pattern_x=rows.pattern_x,
        )  # fmt: skip
        rs.input_event_rows, rs.input_event_weights = rows.event_rows, rows.event_weights
        del rows
    nf = newton_raphson(rs, max_iter=max_iter, tol=tol)
    warn_convergence(nf, design.names, max_iter, tol)
    naive = nf.variance
    variance = naive
    if robust:
        dfbeta = score_residuals(rs, nf.final) @ naive
        variance = weighted_crossprod(dfbeta, rs.weight)
    lp = rs.x @ nf.beta
    return assemble_results(
        design, nf, variance,
        settings=dict(
            ties=ties, conf_level=conf_level, robust=robust, strata=strata_cols,
            strata_levels=strata_levels, weights=weights, duration=duration, event=event,
            max_iter=max_iter, tol=tol,
        ),
        counts=dict(n=n_total, n_events=n_events, n_rows=n_rows, n_distinct_rows=len(rs.time)),
        means=rs.means,
        _concordance_inputs=(rs.time, rs.event, rs.weight, rs.stratum, lp),
        _risk_sets=rs,
    )  # fmt: skip


def assemble_results(
    design, nf, variance, settings: dict, counts: dict, means, route: str | None = None, **private
) -> CoxResults:
    """The immutable results of a converged fit, shared by the in-memory and Dask paths.

    ``settings`` are the fit's arguments (ties, conf_level, robust, strata, strata_levels,
    weights, duration, event, max_iter, tol); ``counts`` are n, n_events, n_rows and
    n_distinct_rows; ``private`` are the fields that later computations need (concordance
    inputs, risk sets).
    """
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
        "covariates": design.covariates,
        "reference_levels": dict(design.reference_levels),
        "means": dict(zip(design.names, means.tolist(), strict=True)),
        "max_iter": settings["max_iter"],
        "tol": settings["tol"],
        "package_version": __version__,
    }
    if route is not None:
        metadata["route"] = route
    return CoxResults(
        names=design.names,
        coef=nf.beta.copy(),
        variance_matrix=variance,
        naive_variance_matrix=nf.variance.copy(),
        log_likelihood=nf.loglik,
        log_likelihood_null=nf.loglik_null,
        score_statistic=nf.score_test,
        n_iter=nf.n_iter,
        converged=nf.converged,
        n=counts["n"],
        n_events=counts["n_events"],
        metadata=MappingProxyType(metadata),
        _design=design,
        _final=nf.final,
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
    >>> list(cox.summary.columns)
    ['covariate', 'coef', 'std_err', 'hazard_ratio', 'ci_lower', 'ci_upper', 'z', 'p_value']
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
    ) -> CoxModel:
        """Fit the model (see :func:`fit_cox`) and return ``self``."""
        self.results_ = fit_cox(
            frame, duration, event, covariates, strata=strata, weights=weights,
            robust=robust, reference_levels=reference_levels, ties=self.ties,
            conf_level=self.conf_level, max_iter=self.max_iter, tol=self.tol,
        )  # fmt: skip
        r = self.results_
        self.coef_ = pd.Series(r.coef, index=list(r.names), name="coef")
        self.variance_matrix_ = pd.DataFrame(r.variance_matrix, index=r.names, columns=r.names)
        self.log_likelihood_ = r.log_likelihood
        self.log_likelihood_null_ = r.log_likelihood_null
        self.likelihood_ratio_test_ = r.likelihood_ratio_test
        self.wald_test_ = r.wald_test
        self.score_test_ = r.score_test
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

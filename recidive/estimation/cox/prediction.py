"""Baseline hazard, predicted survival and standardised (covariate-adjusted) survival.

The baseline cumulative hazard is R ``survfit.coxph``'s for the model's ties:
Breslow's ``sum d / S0`` for ``ties="breslow"``, and for ``ties="efron"`` the
Efron-adjusted increment ``sum_k 1 / (S0 - k/d E0)`` (R's ``ctype = 2``).
Beyond the last follow-up time of a stratum predictions are NaN, never the
last value carried forward.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recidive.errors import ArgumentError


def _baseline(results):
    results._require_rows("the baseline hazard (and predictions)")
    rs, ev = results._risk_sets, results._final
    inc = ev.a * np.exp(-ev.shift)
    g = rs.ev_groups
    times = rs.time[rs.starts[g]]
    strata = rs.group_stratum[g]
    out = {}
    for s in np.unique(rs.stratum):
        m = strata == s
        out[s] = (times[m], np.cumsum(inc[m]), rs.time[rs.stratum == s].max())
    return out


def baseline_cumulative_hazard(results) -> pd.DataFrame:
    """Baseline cumulative hazard at the covariate means: ``stratum, time, cumulative_hazard``.

    Examples
    --------
    >>> import pandas as pd
    >>> from recidive.estimation.cox import fit_cox
    >>> from recidive.estimation.cox.prediction import baseline_cumulative_hazard
    >>> df = pd.DataFrame({"days": [5, 8, 12, 20, 25, 30], "event": [1, 1, 0, 1, 1, 0],
    ...                    "young": [1, 0, 1, 1, 0, 0]})
    >>> baseline_cumulative_hazard(fit_cox(df, "days", "event", ["young"])).shape
    (4, 3)
    """
    frames = [
        pd.DataFrame({"stratum": s, "time": t, "cumulative_hazard": h})
        for s, (t, h, _) in _baseline(results).items()
    ]
    return pd.concat(frames, ignore_index=True)


def _stratum_codes(results, frame: pd.DataFrame) -> np.ndarray:
    cols = results.metadata["strata"]
    if not cols:
        return np.zeros(len(frame), dtype=np.int64)
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ArgumentError(f"strata columns {missing} are needed for prediction but missing")
    levels = results.metadata["strata_levels"]
    index = pd.MultiIndex.from_tuples(
        [lv if isinstance(lv, tuple) else (lv,) for lv in levels], names=list(cols)
    )
    codes = index.get_indexer(pd.MultiIndex.from_frame(frame[list(cols)]))
    if (codes < 0).any():
        raise ArgumentError(
            f"strata values in {int((codes < 0).sum())} rows were not in the fitted data"
        )
    return codes


def _survival_matrix(results, frame: pd.DataFrame, times) -> np.ndarray:
    times = np.atleast_1d(np.asarray(times, dtype=float))
    if not np.isfinite(times).all() or (times < 0).any():
        raise ArgumentError("times must be finite and non-negative")
    results._require_rows("predictions")
    kept = results._kept  # an aliased covariate does not enter (R: its NA coefficient is 0)
    x = results._design.matrix(frame)[:, kept] - results._risk_sets.means
    risk = np.exp(x @ np.asarray(results.coef)[kept])
    codes = _stratum_codes(results, frame)
    out = np.empty((len(frame), len(times)))
    for s, (t, h, tmax) in _baseline(results).items():
        rows = codes == s
        if not rows.any():
            continue
        idx = np.searchsorted(t, times, side="right") - 1
        h_t = np.where(idx >= 0, h[np.maximum(idx, 0)], 0.0)
        h_t = np.where(times > tmax, np.nan, h_t)
        out[rows] = np.exp(-np.outer(risk[rows], h_t))
    return out


def predict_survival(results, frame: pd.DataFrame, times) -> pd.DataFrame:
    """Predicted survival of each row of ``frame`` at ``times`` (R ``survfit(fit, newdata=)``).

    Parameters
    ----------
    results : CoxResults
    frame : DataFrame
        Covariates (and strata columns) of the persons to predict for.
    times : array-like
        Follow-up times, in the unit of the fitted duration.

    Returns
    -------
    DataFrame
        One row per row of ``frame`` (same index), one column per time; NaN
        beyond the last follow-up time of the row's stratum.

    Examples
    --------
    >>> import pandas as pd
    >>> from recidive import CoxModel
    >>> df = pd.DataFrame({"days": [5, 8, 12, 20, 25, 30], "event": [1, 1, 0, 1, 1, 0],
    ...                    "young": [1, 0, 1, 1, 0, 0]})
    >>> cox = CoxModel().fit(df, "days", "event", ["young"])
    >>> cox.predict_survival(df.head(2), [10, 20]).shape
    (2, 2)
    """
    times = np.atleast_1d(np.asarray(times, dtype=float))
    surv = _survival_matrix(results, frame, times)
    return pd.DataFrame(surv, index=frame.index, columns=pd.Index(times, name="time"))


def standardized_survival(results, frame: pd.DataFrame, group: str, times) -> pd.DataFrame:
    """Covariate-adjusted (standardised, direct-adjustment) survival per level of ``group``.

    For each level of ``group``, everyone in ``frame`` is given that level, the
    model predicts each person's survival, and the curves are averaged over
    the population (weighted by the model's frequency weights if ``frame``
    has that column). Differences between the curves are then due to
    ``group`` alone, at the population's own mix of the other covariates.

    For a model of counting-process data (``entry``), ``frame`` holds one row per
    person (e.g. the covariates at the start of follow-up): each row is predicted
    with its covariates held fixed from time 0. A frame with several rows of one
    id of the model's ``cluster`` column is refused, since it would count those
    persons several times.

    Parameters
    ----------
    results : CoxResults
    frame : DataFrame
        The population to standardise to (usually the fitted data).
    group : str
        A covariate (or stratum) column of the model.
    times : array-like

    Returns
    -------
    DataFrame
        ``group, time, survival, rate`` (``rate = 1 - survival``).

    Examples
    --------
    >>> import pandas as pd
    >>> from recidive import CoxModel
    >>> df = pd.DataFrame({"days": [5, 8, 12, 20, 25, 30, 35, 40],
    ...                    "event": [1, 1, 0, 1, 1, 0, 1, 0],
    ...                    "young": [1, 0, 1, 1, 0, 0, 1, 0], "prior": [2, 0, 1, 3, 0, 1, 0, 2]})
    >>> cox = CoxModel().fit(df, "days", "event", ["young", "prior"])
    >>> cox.standardized_survival(df, "young", [10, 20]).columns.tolist()
    ['group', 'time', 'survival', 'rate']
    """
    design = results._design
    strata = results.metadata["strata"]
    if group not in design.covariates and group not in strata:
        raise ArgumentError(
            f"group {group!r} is not a covariate or stratum of the model "
            f"(covariates: {list(design.covariates)})"
        )
    if group not in frame.columns:
        raise ArgumentError(f"group column {group!r} not in the frame")
    cluster = results.metadata.get("cluster")
    if cluster is not None and cluster in frame.columns and frame[cluster].duplicated().any():
        repeated = frame.loc[frame[cluster].duplicated(), cluster]
        raise ArgumentError(
            f"frame has several rows of one id (cluster column {cluster!r}: "
            f"{repeated.nunique()} ids, e.g. {repeated.iloc[0]!r}); standardised survival "
            f"averages over persons: pass one row per person, e.g. "
            f"frame.groupby({cluster!r}).head(1) (the covariates at the start)"
        )
    times = np.atleast_1d(np.asarray(times, dtype=float))
    if group in design.levels:
        levels = list(design.levels[group])
    else:
        levels = sorted(pd.unique(frame[group]))
    wcol = results.metadata["weights"]
    w = frame[wcol].to_numpy(float) if wcol and wcol in frame.columns else np.ones(len(frame))
    rows = []
    for level in levels:
        counterfactual = frame.copy()
        col = frame[group]
        if isinstance(col.dtype, pd.CategoricalDtype):
            counterfactual[group] = pd.Categorical([level] * len(frame), dtype=col.dtype)
        else:
            counterfactual[group] = level
        surv = _survival_matrix(results, counterfactual, times)
        mean = (w @ surv) / w.sum()
        rows.append(pd.DataFrame({"group": level, "time": times, "survival": mean}))
    out = pd.concat(rows, ignore_index=True)
    out["rate"] = 1 - out["survival"]
    return out

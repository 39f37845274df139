"""Test of proportional hazards from scaled Schoenfeld residuals, as R ``cox.zph``.

Survival 3.x's score test (``terms=TRUE``): the model is extended with
``x * g(t)`` for a centred transform ``g`` of time and the score test of the
extra coefficients is computed at the fitted coefficients, per term and
globally, with the full ``2p x 2p`` information matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from recidive.errors import ArgumentError
from recidive.estimation.cox._partial_likelihood import information, model_matrix

_TRANSFORMS = ("km", "identity", "log", "rank")


@dataclass(frozen=True, eq=False)
class ZphResult:
    """Result of :func:`cox_zph`.

    Attributes
    ----------
    table : DataFrame
        ``term, chisq, df, p_value``; one row per covariate (term) and a last
        row ``GLOBAL``.
    residuals : DataFrame
        Scaled Schoenfeld residuals for plotting: ``time``, ``transformed_time``,
        ``weight`` and one column per term (``beta(t)`` estimates).
    transform : str
    """

    table: pd.DataFrame
    residuals: pd.DataFrame
    transform: str

    def to_frame(self) -> pd.DataFrame:
        """The test table (``term, chisq, df, p_value``)."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        return (
            f"<p><b>Proportional hazards test</b> (transform: {self.transform})</p>"
            + self.table.to_html(index=False, float_format=lambda v: f"{v:.4g}")
        )


def _km_transform(time, event, weight, entry=None) -> np.ndarray:
    """``1 - S(t-)`` of the pooled Kaplan-Meier curve at each row's time.

    With ``entry`` (counting-process rows) the curve has delayed entry, as R's.
    """
    ut, inv = np.unique(time, return_inverse=True)
    d = np.bincount(inv, weight * event, minlength=len(ut))
    c = np.bincount(inv, weight, minlength=len(ut))
    at_risk = np.cumsum(c[::-1])[::-1]
    if entry is not None:
        order = np.argsort(entry, kind="stable")
        entering = np.append(np.cumsum(weight[order][::-1])[::-1], 0.0)
        at_risk = at_risk - entering[np.searchsorted(entry[order], ut, side="left")]
    surv = np.cumprod(1 - d / at_risk)
    before = np.concatenate([[1.0], surv[:-1]])
    return 1 - before[inv]


def _transform(name, time, event, weight, entry=None) -> np.ndarray:
    if name == "km":
        return _km_transform(time, event, weight, entry)
    if name == "identity":
        return time.astype(float)
    if name == "log":
        return np.log(time)
    from scipy.stats import rankdata  # only here: scipy.stats is slow to import

    return rankdata(time)


def cox_zph(results, transform: str = "km") -> ZphResult:
    """Proportional-hazards test of a fitted Cox model, as R ``cox.zph``.

    Parameters
    ----------
    results : CoxResults
    transform : {"km", "identity", "log", "rank"}
        Transform of time (R's default ``"km"``: one minus the pooled
        Kaplan-Meier estimate just before each time).

    Returns
    -------
    ZphResult
        Per-term and ``GLOBAL`` chi-square, df and p-value, and the scaled
        Schoenfeld residuals.

    Examples
    --------
    >>> import pandas as pd
    >>> from recidive import CoxModel
    >>> df = pd.DataFrame({"days": [5, 8, 12, 20, 25, 30, 41, 50, 55, 60],
    ...                    "event": [1, 1, 0, 1, 1, 0, 1, 0, 1, 0],
    ...                    "young": [1, 0, 1, 1, 0, 1, 0, 0, 1, 0]})
    >>> zph = CoxModel().fit(df, "days", "event", ["young"]).check_proportional_hazards()
    >>> zph.table["term"].tolist()
    ['young', 'GLOBAL']
    """
    if transform not in _TRANSFORMS:
        raise ArgumentError(f"transform must be one of {_TRANSFORMS}, got {transform!r}")
    results._require_rows("cox_zph")
    rs, ev = results._risk_sets, results._final
    kept = results._kept
    beta = np.asarray(results.coef)[kept]  # aliased covariates are left out, as in R
    terms = _kept_terms(results._design.terms, kept)
    p = len(beta)
    if transform == "log" and (rs.time[rs.event] <= 0).any():
        raise ArgumentError("transform='log' needs positive event times")
    ttimes = _transform(transform, rs.time, rs.event.astype(float), rs.weight, rs.entry)
    er = rs.ev_rows
    gtime = ttimes - (rs.weight[er] @ ttimes[er]) / rs.weight[er].sum()
    gt = gtime[er[rs.ev_starts]]  # one value per event time

    counts = np.diff(np.append(rs.ev_starts, len(er)))
    xbb = (ev.s1 * ev.a[:, None] - ev.e1 * ev.b[:, None]) / rs.deaths[:, None]
    schoen = model_matrix(rs, er) - np.repeat(xbb, counts, axis=0)
    u2 = (rs.weight[er] * np.repeat(gt, counts)) @ schoen

    def info(m):
        return information(rs, ev, ev.a * m, ev.b * m, ev.c1 * m, ev.c2 * m, ev.c3 * m)

    i11 = ev.information
    i12 = info(gt)
    i22 = info(gt * gt)
    imat = np.block([[i11, i12], [i12.T, i22]])
    u = np.concatenate([np.zeros(p), u2])

    try:
        rows = []
        for term, cols in terms.items():
            kk = list(range(p)) + [p + j for j in cols]
            uk = u[kk]
            rows.append((term, float(uk @ _solve(imat[np.ix_(kk, kk)], uk)), len(cols)))
        rows.append(("GLOBAL", float(u @ _solve(imat, u)), p))
        residuals = _scaled_residuals(rs, terms, beta, schoen, i11)
    except np.linalg.LinAlgError:
        raise ArgumentError(
            "cox_zph: the information matrix of the test is singular (too few events, or a "
            "covariate whose value does not vary over the event times), so proportional "
            "hazards cannot be tested on these data (R's cox.zph fails here too); merge "
            "levels or drop the covariate"
        ) from None
    table = pd.DataFrame(rows, columns=["term", "chisq", "df"])
    table["p_value"] = special.chdtrc(table["df"], table["chisq"])

    rows, weight = er, rs.weight[er]
    if rs.input_event_rows is not None:  # collapsed fit: one row per input event row
        src = rs.input_event_rows
        order = np.argsort(rs.group[src], kind="stable")  # by (stratum, time), input order
        rows = src[order]
        weight = np.ones(len(rows)) if rs.input_event_weights is None else (
            rs.input_event_weights[order]
        )  # fmt: skip
        residuals = residuals.iloc[np.searchsorted(er, rows)].reset_index(drop=True)
    residuals.insert(0, "weight", weight)
    residuals.insert(0, "transformed_time", ttimes[rows])
    residuals.insert(0, "time", rs.time[rows])
    return ZphResult(table, residuals, transform)


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``solve(a, b)``, refused as R's ``solve`` refuses it: reciprocal condition below eps."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rcond = 1.0 / np.linalg.cond(a, 1)
    if not np.isfinite(rcond) or rcond < np.finfo(float).eps:
        raise np.linalg.LinAlgError("computationally singular")
    return np.linalg.solve(a, b)


def _kept_terms(terms: dict, kept: np.ndarray) -> dict[str, tuple[int, ...]]:
    """The terms' columns among the kept (not aliased) model columns; empty terms dropped."""
    position = np.cumsum(kept) - 1
    out = {}
    for term, cols in terms.items():
        left = tuple(int(position[c]) for c in cols if kept[c])
        if left:
            out[term] = left
    return out


def _scaled_residuals(rs, terms, beta, schoen, i11) -> pd.DataFrame:
    er = rs.ev_rows
    strat = rs.stratum[er]
    p = len(beta)
    levels = np.unique(strat)
    used = np.zeros((len(levels), p))
    for s_i, s in enumerate(levels):
        in_s = rs.stratum == s
        xs = model_matrix(rs, np.flatnonzero(in_s))
        varies = (xs != xs[0]).any(axis=0)
        used[s_i] = varies * rs.weight[er][strat == s].sum()
    terms = list(terms.items())
    for _, cols in terms:
        if len(cols) > 1:
            used[:, list(cols)] = used[:, list(cols)].max(axis=1, keepdims=True)
    wtmat = sum(np.minimum.outer(u, u) for u in used)
    vmean = i11 / np.where(wtmat == 0, 1, wtmat)
    temp = np.zeros((p, len(terms)))
    for i, (_, cols) in enumerate(terms):
        temp[list(cols), i] = 1.0 if len(cols) == 1 else beta[list(cols)]
    sresid = schoen @ temp
    vmean = temp.T @ vmean @ temp
    used = used[:, [cols[0] for _, cols in terms]]
    for s_i, s in enumerate(levels):
        k = np.flatnonzero(used[s_i] > 0)
        j = strat == s
        block = sresid[j]
        if len(k):
            block[:, k] = np.linalg.solve(vmean[np.ix_(k, k)], block[:, k].T).T
        block[:, np.setdiff1d(np.arange(len(terms)), k)] = np.nan
        sresid[j] = block
    for i, (_, cols) in enumerate(terms):
        sresid[:, i] += beta[cols[0]] if len(cols) == 1 else 1.0
    return pd.DataFrame(sresid, columns=[t for t, _ in terms])

"""Cumulative incidence with competing risks (Aalen-Johansen) and Gray's test.

Estimates equal R ``survfit(Surv(time, factor(cause)) ~ 1)``; standard errors
are R's infinitesimal-jackknife (IJ) standard errors, computed in closed form
from the risk table (ties exact, no jittering). Weights are frequency weights:
the result equals that of the expanded data (R's weighted ``survfit`` treats
weights as sampling weights, which gives other standard errors).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import chdtrc

from recidive import _engines, defaults
from recidive._arguments import check_conf
from recidive._version import __version__
from recidive.errors import ArgumentError
from recidive.estimation._aj_entry import aj_std_err, influence_terms, row_sums
from recidive.estimation._confint import conf_int
from recidive.estimation._input import (
    check_cause,
    check_columns,
    check_entry,
    check_groups,
    check_time,
    check_times_requested,
    check_weights,
)
from recidive.estimation.kaplan_meier import (
    INSUFFICIENT,
    OK,
    risk_set_at,
    stratum_entries,
)
from recidive.estimation.risk_table import (
    RiskTable,
    build_risk_table,
    competing_kind,
    frame_risk_table,
    stratum_codes,
)

COLUMNS = ("time", "n_at_risk", "n_events", "cif", "std_err", "ci_lower", "ci_upper")


def _exclusive_cumsum(x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    out[1:] = np.cumsum(x[:-1])
    return out


def aalen_johansen(
    n: np.ndarray, d_k: np.ndarray, d: np.ndarray, c: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative incidence of one cause and its IJ standard error.

    ``n`` at risk, ``d_k`` events of the cause, ``d`` events of any cause,
    ``c`` censored, per distinct time. The influence of a subject leaving at
    the m-th time depends only on m and on how it left (the cause, another
    cause, censored), so the IJ variance sum over subjects reduces to
    cumulative sums over times.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        s_prev = np.concatenate([[1.0], np.cumprod(1.0 - d / n)[:-1]])
        cif = np.cumsum(s_prev * d_k / n)
        greenwood = np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0))
        b = np.cumsum(
            d_k
            / n
            * s_prev
            * (_exclusive_cumsum(np.where(d > 0, d / (n * (n - d)), 0.0)) - 1.0 / n)
        )
        inv_nd = 1.0 / (n - d)
        p0, p1, p2 = (np.zeros_like(n) for _ in range(3))
        for w, is_k, is_event in ((d_k, 1.0, 1.0), (d - d_k, 0.0, 1.0), (c, 0.0, 0.0)):
            g = greenwood - is_event * inv_nd
            a = b + is_k * s_prev / n - g * cif
            p0 += np.where(w > 0, w * a * a, 0.0)
            p1 += np.where(w > 0, w * a * g, 0.0)
            p2 += np.where(w > 0, w * g * g, 0.0)
        var = (
            b * b * (n - d_k)
            + d_k * (b + s_prev / n) ** 2
            + _exclusive_cumsum(p0)
            + 2 * cif * _exclusive_cumsum(p1)
            + cif * cif * _exclusive_cumsum(p2)
        )
    return cif, np.sqrt(np.maximum(var, 0.0))


@dataclass(frozen=True, eq=False)
class CIFResult:
    """Cumulative incidence of one cause with competing risks (immutable).

    Attributes
    ----------
    cause : int
        The cause of interest.
    n, n_events, n_competing : float
        Observations, events of the cause, events of other causes.
    conf_type, conf_level : str, float
        CI transform and level.
    """

    _columns: dict = field(repr=False)
    cause: int
    n: float
    n_events: float
    n_competing: float
    conf_type: str
    conf_level: float
    weighted: bool = False
    version: str = __version__
    _entries: tuple | None = field(default=None, repr=False)

    @property
    def metadata(self) -> dict[str, Any]:
        """What a report needs to describe the estimate."""
        return {
            "estimator": "aalen_johansen",
            "delayed_entry": self._entries is not None,
            "cause": self.cause,
            "n": self.n,
            "n_events": self.n_events,
            "n_competing": self.n_competing,
            "conf_type": self.conf_type,
            "conf_level": self.conf_level,
            "variance": "infinitesimal_jackknife",
            "weighted": self.weighted,
            "version": self.version,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per distinct time: ``time, n_at_risk, n_events, cif, std_err,
        ci_lower, ci_upper`` (``n_events``: events of the cause of interest)."""
        return pd.DataFrame({k: np.array(self._columns[k]) for k in COLUMNS})

    def at(self, times) -> pd.DataFrame:
        """Values at given (sorted) times, plus ``status``; NaN past the last observed time.

        ``n_at_risk`` is the risk set at ``t`` (with delayed entry: ``entry < t <=
        time``; R's ``summary(times=)`` reports the next exit time's count instead).

        Examples
        --------
        >>> r = cumulative_incidence([1, 2, 3, 4], [1, 2, 0, 1])
        >>> r.at([2.5, 9])[["cif", "status"]].values.tolist()
        [[0.25, 'ok'], [nan, 'insufficient_follow_up']]
        """
        col = self._columns
        t = np.sort(check_times_requested(times))
        time = col["time"]
        idx = np.searchsorted(time, t, side="right") - 1
        past = t > time[-1]
        cum_d = np.concatenate([[0.0], np.cumsum(col["n_events"])])
        prev = np.concatenate([[-1], idx[:-1]])
        out = {
            "time": t,
            "n_at_risk": risk_set_at(time, col["n_exits"], self._entries, t),
            "n_events": cum_d[idx + 1] - cum_d[prev + 1],
        }
        lo0, hi0 = conf_int(np.zeros(1), np.zeros(1), self.conf_type, self.conf_level)
        starts = {"cif": 0.0, "std_err": 0.0, "ci_lower": lo0[0], "ci_upper": hi0[0]}
        for name, start in starts.items():
            values = np.where(idx >= 0, col[name][np.maximum(idx, 0)], start)
            out[name] = np.where(past, np.nan, values)
        out["status"] = np.where(past, INSUFFICIENT, OK)
        return pd.DataFrame(out)

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>Cumulative incidence</b> (Aalen-Johansen), cause {self.cause}: "
            f"n = {self.n:g}, events = {self.n_events:g}, competing = {self.n_competing:g}, "
            f"{self.conf_level:.0%} CI ({self.conf_type})</p>"
        )
        return head + self.to_frame()._repr_html_()


def cumulative_incidence(
    time,
    cause,
    cause_of_interest: int = 1,
    weights=None,
    conf_type: str = defaults.CIF_CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
    *,
    entry=None,
) -> CIFResult:
    """Aalen-Johansen cumulative incidence of one cause, equal to R ``survfit``.

    Parameters
    ----------
    time : array-like
        Non-negative follow-up times.
    cause : array-like
        0 = censored, 1, 2, ... = cause of the event.
    cause_of_interest : int
        The cause whose cumulative incidence is estimated.
    weights : array-like, optional
        Frequency weights.
    conf_type : {"log", "log-log", "plain"}
        CI transform (R's default for multi-state curves is ``"log"``).
    conf_level : float
    entry : array-like, optional (keyword only)
        Entry times (delayed entry): a row is at risk at ``t`` when ``entry < t <=
        time``, as R ``survfit(Surv(entry, time, cause) ~ 1, id = id)`` with one row
        per id. The IJ standard errors then need one more pass over the rows.

    Returns
    -------
    CIFResult

    Examples
    --------
    >>> r = cumulative_incidence([1, 2, 3, 4], [1, 2, 0, 1])
    >>> r.to_frame()["cif"].tolist()
    [0.25, 0.25, 0.25, 0.75]
    >>> cumulative_incidence([1, 2, 3, 4], [1, 2, 0, 1], entry=[0, 0, 0, 2.5]).to_frame()[
    ...     "n_at_risk"].tolist()
    [3.0, 2.0, 2.0, 1.0]
    """
    conf_type, conf_level = check_conf(conf_type, conf_level)
    t = check_time(time)
    cs = check_cause(cause, t.shape[0])
    w = check_weights(weights, t.shape[0])
    e, t = check_entry(entry, t)
    kind = competing_kind(cs, cause_of_interest)
    codes = np.zeros(t.shape[0], dtype=np.int64)
    table = build_risk_table(t, kind, w, codes, pd.Index(["all"]), (1, 2), e)
    std_err = None if e is None else entry_std_errs(table, codes, e, t, kind, w)[0]
    return cif_from_table(table, 0, cause_of_interest, conf_type, conf_level, std_err)


def entry_std_errs(
    table: RiskTable,
    codes: np.ndarray,
    entry: np.ndarray,
    time: np.ndarray,
    kind: np.ndarray,
    weights: np.ndarray | None,
) -> list[np.ndarray | None]:
    """IJ standard errors of each stratum's cumulative incidence with delayed entry.

    One pass over the rows (see :mod:`recidive.estimation._aj_entry`): ``codes`` are the
    rows' strata in ``table``, ``kind`` 0 censored, 1 the cause of interest, 2 another;
    None for a stratum without rows. The pieces, :func:`entry_terms` (from the table)
    and :func:`entry_row_sums` (additive over rows), let a partitioned data set add the
    row sums of its parts.
    """
    terms = entry_terms(table)
    sums = entry_row_sums(table, terms, codes, entry, time, kind, weights)
    return [None if s is None else aj_std_err(t, s) for t, s in zip(terms, sums, strict=True)]


def entry_terms(table: RiskTable) -> list[dict | None]:
    """The influence terms of each stratum of a risk table with causes ``(1, 2)``."""
    out: list[dict | None] = []
    for k in range(table.n_strata):
        grid = table.rows(k)
        events = table.n_events[grid]
        out.append(
            influence_terms(table.n_at_risk[grid], events[:, 0], events.sum(axis=1))
            if grid.stop > grid.start
            else None
        )
    return out


def entry_row_sums(table, terms, codes, entry, time, kind, weights) -> list[dict | None]:
    """The per-row variance sums of each stratum (None: no rows there); additive over rows."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(table.n_strata + 1))
    out: list[dict | None] = []
    for k in range(table.n_strata):
        rows = order[bounds[k] : bounds[k + 1]]
        if rows.size == 0 or terms[k] is None:
            out.append(None)
            continue
        times = table.time[table.rows(k)]
        first = np.searchsorted(times, entry[rows], side="right")
        last = np.searchsorted(times, time[rows])
        w = None if weights is None else weights[rows]
        out.append(row_sums(terms[k], first, last, kind[rows], w))
    return out


def cif_from_table(
    table: RiskTable,
    stratum: int = 0,
    cause_of_interest: int = 1,
    conf_type: str = defaults.CIF_CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
    std_err: np.ndarray | None = None,
) -> CIFResult:
    """Cumulative incidence of one stratum of a risk table with causes ``(1, 2)``.

    Cause 1 of the table is the cause of interest, cause 2 any other cause
    (see :func:`~recidive.estimation.risk_table.competing_kind`). A table with
    delayed entry needs the IJ standard errors from the rows (``std_err``, see
    :func:`entry_std_errs`); without, they come from the table.
    """
    rows = table.rows(stratum)
    n = table.n_at_risk[rows]
    d_k, d_other = table.n_events[rows, 0], table.n_events[rows, 1]
    cif, se = aalen_johansen(n, d_k, d_k + d_other, table.n_censored[rows])
    if table.entries is not None:
        if std_err is None:
            raise ArgumentError(
                "the standard errors of a cumulative incidence with delayed entry need "
                "the rows (entry_std_errs), not only the risk table"
            )
        se = std_err
    with np.errstate(divide="ignore", invalid="ignore"):
        se_log = np.where(se == 0, 0.0, se / cif)
    lower, upper = conf_int(cif, se_log, conf_type, conf_level)
    columns = {
        "time": table.time[rows],
        "n_at_risk": n,
        "n_events": d_k,
        "cif": cif,
        "std_err": se,
        "ci_lower": lower,
        "ci_upper": upper,
        "n_exits": d_k + d_other + table.n_censored[rows],
    }
    return CIFResult(
        columns,
        cause=int(cause_of_interest),
        n=float(table.n()[stratum]),
        n_events=float(d_k.sum()),
        n_competing=float(d_other.sum()),
        conf_type=conf_type,
        conf_level=conf_level,
        weighted=table.weighted,
        _entries=stratum_entries(table, stratum),
    )


def cumulative_incidence_by(
    frame,
    duration: str,
    cause: str,
    by: Sequence[str],
    cause_of_interest: int = 1,
    weights: str | None = None,
    conf_type: str = defaults.CIF_CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
    *,
    entry: str | None = None,
) -> dict[Any, CIFResult]:
    """Cumulative incidence per stratum of a pandas or Dask DataFrame or a Parquet path.

    The same curves as :func:`cumulative_incidence` on each stratum's rows,
    from one risk table of the whole frame (reduced partition by partition for
    Dask; see :func:`kaplan_meier_by`).

    Parameters
    ----------
    frame : pandas.DataFrame, dask.dataframe.DataFrame, str or path
        The data; a Dask DataFrame or Parquet path needs ``pip install 'recidive[dask]'``.
    duration, cause : str
        Columns of follow-up time and cause (0 = censored, 1, 2, ... = cause).
    by : list of str
        Stratifying columns.
    cause_of_interest, weights, conf_type, conf_level
        As for :func:`cumulative_incidence`; ``weights`` is a column name.
    entry : str, optional (keyword only)
        Column of entry times (delayed entry): at risk on ``(entry, duration]``.

    Returns
    -------
    dict
        Stratum label (a tuple for several ``by`` columns) to :class:`CIFResult`,
        in stratum order; strata without rows are left out.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4], "c": [1, 2, 0, 1], "g": list("aabb")})
    >>> curves = cumulative_incidence_by(df, "t", "c", by=["g"])
    >>> {g: r.to_frame()["cif"].tolist() for g, r in curves.items()}
    {'a': [0.5, 0.5], 'b': [0.0, 1.0]}
    """
    conf_type, conf_level = check_conf(conf_type, conf_level)
    by = [by] if isinstance(by, str) else list(by)
    what = "cumulative_incidence_by"
    table = frame_risk_table(
        frame, duration, cause, by, weights, int(cause_of_interest), what, entry=entry
    )
    std_errs: list = [None] * table.n_strata
    if entry is not None:
        if _engines.is_distributed(frame):
            std_errs = _engines.implementation("aj_entry_std_errs")(
                frame, table, duration, cause, by, weights, int(cause_of_interest), entry
            )
        else:
            std_errs = _frame_entry_std_errs(
                frame, table, duration, cause, by, weights, int(cause_of_interest), entry
            )
    used = table.n() > 0
    std_errs = [se for se, u in zip(std_errs, used, strict=True) if u]
    table = table.drop_empty()
    return {
        label: cif_from_table(table, k, cause_of_interest, conf_type, conf_level, std_errs[k])
        for k, label in enumerate(table.strata)
    }


def _frame_entry_std_errs(frame, table, duration, cause, by, weights, cause_of_interest, entry):
    """:func:`entry_std_errs` of a pandas frame whose risk table is ``table`` (all strata)."""
    rows = frame_entry_rows(frame, duration, cause, by, weights, cause_of_interest, entry)
    return entry_std_errs(table, *rows)


def frame_entry_rows(frame, duration, cause, by, weights, cause_of_interest, entry):
    """Checked ``codes, entry, time, kind, weights`` of a frame's rows (strata: full product)."""
    check_columns(frame, [duration, cause, entry, *by], "cumulative_incidence_by")
    t = check_time(frame[duration], duration)
    e, t = check_entry(frame[entry], t, duration, entry)
    kind = competing_kind(check_cause(frame[cause], t.shape[0], cause), cause_of_interest)
    w = check_weights(frame[weights] if isinstance(weights, str) else weights, t.shape[0])
    codes, _ = stratum_codes([frame[c] for c in by] if by else None, t.shape[0], compress=False)
    return codes, e, t, kind, w


@dataclass(frozen=True)
class GrayTestResult:
    """Gray's (1988) test of equal cumulative incidence across groups."""

    statistic: float
    p_value: float
    df: int
    cause: int


def gray_test(time, cause, groups, cause_of_interest: int = 1, rho: float = 0.0) -> GrayTestResult:
    """Gray's test of equal cumulative incidence of one cause, as ``cmprsk::cuminc``.

    Parameters
    ----------
    time : array-like
        Follow-up times.
    cause : array-like
        0 = censored, 1, 2, ... = cause.
    groups : array-like
        Group labels (two or more).
    cause_of_interest : int
    rho : float
        Power of the weight function (cmprsk's ``rho``, default 0).

    Returns
    -------
    GrayTestResult
        ``statistic``, ``p_value``, ``df`` as a row of ``cuminc(...)$Tests``.

    Examples
    --------
    >>> r = gray_test([1, 2, 3, 4, 5, 6], [1, 2, 1, 0, 1, 1], ["a", "a", "a", "b", "b", "b"])
    >>> r.df
    1
    """
    t = check_time(time)
    cs = check_cause(cause, t.shape[0])
    codes, labels = check_groups(groups, t.shape[0])
    if len(labels) < 2:
        raise ArgumentError("gray_test needs at least two groups")
    kind = np.where(cs == 0, 0, np.where(cs == cause_of_interest, 1, 2))
    score, var = _gray_score(t.astype(float), kind, codes, len(labels), rho)
    stat = float(score @ np.linalg.solve(var, score))
    df = len(labels) - 1
    return GrayTestResult(stat, float(chdtrc(df, stat)), df, int(cause_of_interest))


def _gray_score(time, kind, group, ng, rho) -> tuple[np.ndarray, np.ndarray]:
    """Score and variance of Gray's test (one stratum), per Gray (1988)."""
    utimes, pos = np.unique(time, return_inverse=True)
    counts = np.zeros((utimes.size, 3, ng))
    np.add.at(counts, (pos, kind, group), 1.0)
    rs = np.bincount(group, minlength=ng).astype(float)
    ng1 = ng - 1
    s = np.zeros(ng1)
    v = np.zeros((ng1, ng1))
    v2 = np.zeros((ng1, ng))
    v3 = np.zeros(ng)
    c = np.zeros((ng, ng))
    f1m = np.zeros(ng)
    skmm = np.ones(ng)
    fm = 0.0
    for j in range(utimes.size):
        d0, d1, d2 = counts[j]
        nd1, nd2 = d1.sum(), d2.sum()
        if nd1 > 0 or nd2 > 0:
            live = rs > 0
            skm, f1 = skmm.copy(), f1m.copy()
            skm[live] = skmm[live] * (rs[live] - d1[live] - d2[live]) / rs[live]
            f1[live] = f1m[live] + skmm[live] * d1[live] / rs[live]
            t1 = np.where(live, rs / np.where(live, skmm, 1.0), 0.0)
            tr = t1.sum()
            tq = np.where(live, rs * (1 - f1m) / np.where(live, skmm, 1.0), 0.0).sum()
            f = fm + nd1 / tr
            fb = (1 - fm) ** rho
            a = fb * (np.diag(t1) - np.outer(t1, t1) / tr)
            c += a * nd1 / (tr * (1 - fm))
            s += np.where(live, fb * (d1 - nd1 * t1 * (1 - f1m) / tq), 0.0)[:ng1]
            if nd1 > 0:
                for k in np.flatnonzero(live):
                    t4 = 1 - (1 - f) / skm[k] if skm[k] > 0 else 1.0
                    t5 = 1 - (nd1 - 1) / (tr * skmm[k] - 1) if nd1 > 1 else 1.0
                    t3 = t5 * skmm[k] * nd1 / (tr * rs[k])
                    v3[k] += t4 * t4 * t3
                    u = a[:ng1, k] - t4 * c[:ng1, k]
                    v2[:, k] += u * t4 * t3
                    v += np.outer(u, u) * t3
            if nd2 > 0:
                for k in np.flatnonzero((skm > 0) & (d2 > 0)):
                    t4 = (1 - f) / skm[k]
                    t5 = 1 - (d2[k] - 1) / (rs[k] - 1) if d2[k] > 1 else 1.0
                    t3 = t5 * skmm[k] ** 2 * d2[k] / rs[k] ** 2
                    v3[k] += t4 * t4 * t3
                    u = t4 * c[:ng1, k]
                    v2[:, k] -= u * t4 * t3
                    v += np.outer(u, u) * t3
            fm, f1m, skmm = f, f1, skm
        rs = rs - d0 - d1 - d2
    cc = c[:ng1]
    v += (cc * v3) @ cc.T + cc @ v2.T + v2 @ cc.T
    return s, v

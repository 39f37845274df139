"""Kaplan-Meier product-limit estimate with Greenwood variance, as R ``survfit``.

``kaplan_meier`` is the function; ``KaplanMeier`` is a thin class over it.
Both work from a :class:`~recidive.estimation.risk_table.RiskTable`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from recidive import defaults
from recidive._arguments import check_conf, check_time_unit
from recidive._version import __version__
from recidive.estimation._confint import conf_int
from recidive.estimation._input import check_entry, check_time_event, check_times_requested
from recidive.estimation.risk_table import RiskTable, build_risk_table, frame_risk_table

COLUMNS: tuple[str, ...] = (
    "time",
    "n_at_risk",
    "n_events",
    "n_censored",
    "survival",
    "std_err",
    "ci_lower",
    "ci_upper",
)
OK, INSUFFICIENT = "ok", "insufficient_follow_up"
_QUANTILE_TOL = float(np.sqrt(np.finfo(float).eps))


def product_limit(n: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Survival and Greenwood variance of ``-log S`` from at-risk and event counts.

    The variance is R's form, the cumulative sum of ``d / (n (n - d))``; it is
    infinite once every subject at risk has had the event (S = 0).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - d / n)
        term = np.where(d > 0, d / (n * (n - d)), 0.0)
    return surv, np.cumsum(term)


def survival_std_err(surv: np.ndarray, var_log: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SE of ``-log S`` and of ``S`` (delta method); NaN at S = 0 as in R."""
    se_log = np.sqrt(var_log)
    with np.errstate(invalid="ignore"):
        return se_log, surv * se_log


def _findq(x: np.ndarray, y: np.ndarray, p: float, tol: float = _QUANTILE_TOL) -> float:
    """R's ``survival:::findq``: the time where the curve ``y = 1 - S`` reaches ``p``."""
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return np.nan
    xmax = x[-1]
    first = ~pd.Series(y).duplicated().to_numpy()
    x, y = x[first], y[first]
    valid = np.flatnonzero(~np.isnan(y))
    yv = y[valid]

    def position(offset: float) -> int | None:
        grid = yv + offset
        if p < grid[0] or p > grid[-1]:
            return None
        return int(valid[np.searchsorted(grid, p, side="left")])

    if p == 0:
        return float(x[0])
    i1, i2 = position(tol), position(-tol)
    if not np.isnan(y[-1]) and abs(p - y[-1]) < tol:
        return np.nan if i1 is None else float((x[i1] + xmax) / 2)
    if i1 is None or i2 is None:
        return np.nan
    return float((x[i1] + x[i2]) / 2)


def risk_set_at(
    time: np.ndarray, n_exits: np.ndarray, entries: tuple | None, t: np.ndarray
) -> np.ndarray:
    """The (weighted) risk set at times ``t``: rows with ``entry < t <= time``.

    ``time`` and ``n_exits`` are a curve's distinct exit times and the weight leaving at
    each; ``entries`` the curve's ``(entry times, weights)``, sorted, or None.
    """
    after = np.append(np.cumsum(n_exits[::-1])[::-1], 0.0)
    at_risk = after[np.searchsorted(time, t, side="left")]
    if entries is not None:
        entry_time, entry_weight = entries
        entering = np.append(np.cumsum(entry_weight[::-1])[::-1], 0.0)
        at_risk = at_risk - entering[np.searchsorted(entry_time, t, side="left")]
    return at_risk


def values_at(
    columns: dict, t: np.ndarray, interval_counts: bool = True, entries: tuple | None = None
) -> dict:
    """Curve values at sorted times ``t`` (the work behind :meth:`KMResult.at`).

    With ``interval_counts`` events and censored are counted in (previous t,
    t]; otherwise cumulatively up to t. ``past`` flags t beyond the last
    observed time, where estimates are NaN. ``n_at_risk`` is the risk set at
    ``t`` (see :func:`risk_set_at`; ``entries`` as there).
    """
    time = columns["time"]
    idx = np.searchsorted(time, t, side="right") - 1
    past = t > time[-1] if time.size else np.ones(t.shape, dtype=bool)
    cum_d = np.concatenate([[0.0], np.cumsum(columns["n_events"])])
    cum_c = np.concatenate([[0.0], np.cumsum(columns["n_censored"])])
    exits = columns["n_events"] + columns["n_censored"]
    at_risk = risk_set_at(time, exits, entries, t)
    prev = np.concatenate([[-1], idx[:-1]]) if interval_counts else np.full(t.shape, -1)
    out = {
        "time": t,
        "n_at_risk": at_risk,
        "n_events": cum_d[idx + 1] - cum_d[prev + 1],
        "n_censored": cum_c[idx + 1] - cum_c[prev + 1],
    }
    safe = np.maximum(idx, 0)
    for name, start in (("survival", 1.0), ("std_err", 0.0), ("ci_lower", 1.0), ("ci_upper", 1.0)):
        values = columns[name][safe] if time.size else np.full(t.shape, np.nan)
        out[name] = np.where(past, np.nan, np.where(idx >= 0, values, start))
    out["past"] = past
    return out


@dataclass(frozen=True, eq=False)
class KMResult:
    """A fitted Kaplan-Meier curve (immutable).

    Use :meth:`to_frame` for the curve, :meth:`at` for values at given times,
    :attr:`median_` and :meth:`quantile` for percentiles with confidence limits.

    Attributes
    ----------
    n, n_events : float
        (Weighted) number of observations and of events.
    conf_type : str
        ``"log-log"``, ``"log"`` or ``"plain"``.
    conf_level : float
        Confidence level of ``ci_lower`` / ``ci_upper``.
    time_unit : str or None
        Unit of the times, if given.
    version : str
        recidive version that made the result.
    """

    _columns: dict = field(repr=False)
    n: float
    n_events: float
    conf_type: str
    conf_level: float
    time_unit: str | None = None
    weighted: bool = False
    version: str = __version__
    _entries: tuple | None = field(default=None, repr=False)

    @property
    def time(self) -> np.ndarray:
        """Distinct observed times (event or censoring)."""
        return self._columns["time"]

    @property
    def survival(self) -> np.ndarray:
        """S(t) just after each distinct time."""
        return self._columns["survival"]

    @property
    def metadata(self) -> dict[str, Any]:
        """What a report needs to describe the estimate."""
        return {
            "estimator": "kaplan_meier",
            "n": self.n,
            "n_events": self.n_events,
            "conf_type": self.conf_type,
            "conf_level": self.conf_level,
            "variance": "greenwood",
            "time_unit": self.time_unit,
            "weighted": self.weighted,
            "delayed_entry": self._entries is not None,
            "version": self.version,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per distinct time: ``time, n_at_risk, n_events, n_censored,
        survival, std_err, ci_lower, ci_upper``; ``std_err`` is the SE of S(t)."""
        return pd.DataFrame({c: np.array(self._columns[c]) for c in COLUMNS})

    def at(self, times) -> pd.DataFrame:
        """Values at given times, as R ``summary(survfit, times=)``.

        ``n_at_risk`` is the risk set at ``t``: the rows with time >= t (with
        delayed entry, the rows with ``entry < t <= time``); ``n_events`` and
        ``n_censored`` count those in (previous requested time, t]. Times
        beyond the last observed time get NaN estimates and status
        ``insufficient_follow_up`` (never the last value carried forward).
        Rows come in increasing time.

        With delayed entry, R's ``summary(fit, times=)`` reports as ``n.risk``
        at a time that is not an exit time the risk set of the next exit time,
        which differs from the risk set at ``t`` when rows enter in between; at
        exit times, and without entry, both are the same.

        Examples
        --------
        >>> km = kaplan_meier([1, 2, 2, 3, 4], [0, 1, 1, 0, 1])
        >>> km.at([2, 6])[["time", "survival", "status"]].values.tolist()
        [[2.0, 0.5, 'ok'], [6.0, nan, 'insufficient_follow_up']]
        """
        out = values_at(self._columns, np.sort(check_times_requested(times)), True, self._entries)
        out["status"] = np.where(out.pop("past"), INSUFFICIENT, OK)
        return pd.DataFrame(out)

    def quantile(self, p: float) -> tuple[float, float, float]:
        """Time by which a fraction ``p`` has had the event, with CI, as R ``quantile.survfit``.

        Returns ``(estimate, lower, upper)``; NaN where the curve (or a
        confidence limit) does not reach ``1 - p``. A curve flat at exactly
        ``1 - p`` gives the midpoint of the flat stretch.

        Examples
        --------
        >>> kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1]).quantile(0.5)[0]
        2.5
        """
        c = self._columns
        x = np.concatenate([[0.0], c["time"].astype(float)])
        curves = (c["survival"], c["ci_lower"], c["ci_upper"])
        est, lower, upper = (_findq(x, np.concatenate([[0.0], 1 - s]), p) for s in curves)
        return est, lower, upper

    @property
    def median_(self) -> float:
        """Median time to event (NaN if S(t) stays above 0.5)."""
        return self.quantile(0.5)[0]

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>Kaplan-Meier</b>: n = {self.n:g}, events = {self.n_events:g}, "
            f"{self.conf_level:.0%} CI ({self.conf_type}), median = {self.median_:g}</p>"
        )
        return head + self.to_frame()._repr_html_()

    def __repr__(self) -> str:
        return (
            f"KMResult(n={self.n:g}, n_events={self.n_events:g}, times={self.time.size}, "
            f"conf_type={self.conf_type!r}, conf_level={self.conf_level})"
        )


def km_from_table(
    table: RiskTable,
    stratum: int = 0,
    conf_type: str = defaults.CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
    time_unit: str | None = None,
) -> KMResult:
    """Kaplan-Meier curve of one stratum of a risk table (events of any cause)."""
    if time_unit is not None:
        check_time_unit(time_unit)
    rows = table.rows(stratum)
    n, d = table.n_at_risk[rows], table.events()[rows]
    entries = stratum_entries(table, stratum)
    surv, var_log = product_limit(n, d)
    se_log, se = survival_std_err(surv, var_log)
    lower, upper = conf_int(surv, se_log, conf_type, conf_level)
    columns = {
        "time": table.time[rows],
        "n_at_risk": n,
        "n_events": d,
        "n_censored": table.n_censored[rows],
        "survival": surv,
        "std_err": se,
        "ci_lower": lower,
        "ci_upper": upper,
    }
    for arr in columns.values():
        arr.setflags(write=False)
    return KMResult(
        columns,
        n=float(table.n()[stratum]),
        n_events=float(d.sum()),
        conf_type=conf_type,
        conf_level=conf_level,
        time_unit=time_unit,
        weighted=table.weighted,
        _entries=entries,
    )


def stratum_entries(table: RiskTable, stratum: int) -> tuple | None:
    """The entry times and weights of one stratum of a risk table (read-only), or None."""
    if table.entries is None:
        return None
    e = table.entries
    lo, hi = np.searchsorted(e.stratum, [stratum, stratum + 1])
    return e.time[lo:hi], e.weight[lo:hi]


def kaplan_meier(
    time,
    event,
    weights=None,
    conf_type: str = defaults.CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
    time_unit: str | None = None,
    *,
    entry=None,
) -> KMResult:
    """Kaplan-Meier estimate of the survival function, equal to R ``survfit``.

    Parameters
    ----------
    time : array-like
        Non-negative follow-up (exit) times.
    event : array-like
        1 = event, 0 = censored.
    weights : array-like, optional
        Frequency weights (the result equals that of the expanded data;
        Greenwood variance on weighted counts, as R for integer weights).
    conf_type : {"log-log", "log", "plain"}
        Pointwise CI transform; ``"log"`` is R's default.
    conf_level : float
        Confidence level, in (0, 1).
    time_unit : str, optional
        Unit of ``time``, kept as metadata.
    entry : array-like, optional (keyword only)
        Entry times (delayed entry, left truncation), each before its row's
        ``time``: a row is at risk at ``t`` when ``entry < t <= time``, as R
        ``survfit(Surv(entry, time, event) ~ 1)``. Rows of one person's
        contiguous (entry, time] intervals give the curve of the person's whole
        follow-up; gaps between them are time not at risk.

    Returns
    -------
    KMResult

    Examples
    --------
    >>> km = kaplan_meier([5, 8, 8, 12, 20], [1, 1, 0, 1, 0])
    >>> km.to_frame()["survival"].round(4).tolist()
    [0.8, 0.6, 0.3, 0.3]
    >>> km.median_
    12.0

    With delayed entry the third person joins the risk set after day 6:

    >>> km = kaplan_meier([5, 8, 12], [1, 1, 0], entry=[0, 0, 6])
    >>> km.to_frame()[["time", "n_at_risk", "survival"]].values.tolist()
    [[5.0, 2.0, 0.5], [8.0, 2.0, 0.25], [12.0, 1.0, 0.25]]
    """
    conf_type, conf_level = check_conf(conf_type, conf_level)
    t, e, w = check_time_event(time, event, weights)
    entry, t = check_entry(entry, t)
    table = build_risk_table(
        t, e, w, np.zeros(t.shape[0], dtype=np.int64), pd.Index(["all"]), (1,), entry
    )
    return km_from_table(table, 0, conf_type, conf_level, time_unit)


def kaplan_meier_by(
    frame,
    duration: str,
    event: str,
    by: Sequence[str],
    weights: str | None = None,
    conf_type: str = defaults.CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
    time_unit: str | None = None,
    *,
    entry: str | None = None,
) -> dict[Any, KMResult]:
    """Kaplan-Meier curves per stratum of a pandas or Dask DataFrame or a Parquet path.

    The same curves as :func:`kaplan_meier` on each stratum's rows, from one
    risk table of the whole frame. A Dask DataFrame, or the path of a Parquet
    file or dataset directory (read with Dask), is reduced partition by
    partition: each partition becomes a risk table, the tables are summed in a
    tree, and the curves are computed from the sum, so the data never has to
    fit in memory.

    Parameters
    ----------
    frame : pandas.DataFrame, dask.dataframe.DataFrame, str or path
        The data; a Dask DataFrame or Parquet path needs ``pip install 'recidive[dask]'``.
    duration, event : str
        Columns of follow-up time and the 0/1 event flag.
    by : list of str
        Stratifying columns.
    weights : str, optional
        Column of frequency weights.
    conf_type, conf_level, time_unit
        As for :func:`kaplan_meier`.
    entry : str, optional (keyword only)
        Column of entry times (delayed entry): at risk on ``(entry, duration]``.

    Returns
    -------
    dict
        Stratum label (a tuple for several ``by`` columns) to :class:`KMResult`,
        in stratum order (categories in their order, other values sorted);
        strata without rows are left out.

    Examples
    --------
    >>> df = pd.DataFrame({"days": [5, 8, 8, 12, 20, 3], "event": [1, 1, 0, 1, 0, 1],
    ...                    "sex": list("FFMMMF")})
    >>> curves = kaplan_meier_by(df, "days", "event", by=["sex"])
    >>> {sex: km.to_frame()["survival"].round(3).tolist() for sex, km in curves.items()}
    {'F': [0.667, 0.333, 0.0], 'M': [1.0, 0.5, 0.5]}
    """
    conf_type, conf_level = check_conf(conf_type, conf_level)
    by = [by] if isinstance(by, str) else list(by)
    table = frame_risk_table(
        frame, duration, event, by, weights, what="kaplan_meier_by", entry=entry
    ).drop_empty()
    return {
        label: km_from_table(table, k, conf_type, conf_level, time_unit)
        for k, label in enumerate(table.strata)
    }


class KaplanMeier:
    """Thin estimator class over :func:`kaplan_meier`; ``fit`` returns self.

    Examples
    --------
    >>> km = KaplanMeier(conf_type="log").fit([5, 8, 8, 12], [1, 1, 0, 1])
    >>> km.result_.to_frame().shape
    (3, 8)
    """

    def __init__(
        self,
        conf_type: str = defaults.CONF_TYPE,
        conf_level: float = defaults.CONF_LEVEL,
        time_unit: str | None = None,
    ) -> None:
        self.conf_type = conf_type
        self.conf_level = conf_level
        self.time_unit = time_unit

    def fit(self, time, event, weights=None, *, entry=None) -> KaplanMeier:
        """Fit the curve; the result is in ``result_``."""
        self.result_ = kaplan_meier(
            time, event, weights, self.conf_type, self.conf_level, self.time_unit, entry=entry
        )
        return self

    @property
    def median_(self) -> float:
        """Median time to event of the fitted curve."""
        return self.result_.median_

    def to_frame(self) -> pd.DataFrame:
        """The fitted curve (see :meth:`KMResult.to_frame`)."""
        return self.result_.to_frame()

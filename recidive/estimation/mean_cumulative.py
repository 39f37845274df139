"""The mean cumulative function of recurrent events, with Lawless-Nadeau errors.

How often people reoffend is the other half of recidivism: the mean number of
counted reoffences per person by time ``t``, with censoring, delayed entry and
periods not at risk (detention) handled, is the mean cumulative function (MCF).
Its standard estimator is the Nelson-Aalen sum over the pooled (entry, stop]
rows of all persons, and its standard error the robust Lawless-Nadeau (1995)
one, which lets events of one person depend on each other. R computes both as
``survfit(Surv(start, stop, event) ~ 1, id = id, robust = TRUE)`` (``cumhaz``,
``std.chaz``); this module gives the same numbers, without a loop over persons
or times (the formulas and how they are vectorised are in
:mod:`recidive.estimation._mcf_sums`).

How it distributes: the estimate is a risk-table sum over rows, and the
variance needs one more sum per person over the person's rows, given the
pooled at-risk and event counts. Both reduce to arrays over the grid of
distinct stop times that add up over partitions, the second over partitions
that hold whole persons (co-located by person, as the Dask cohort writes them):
pass 1 sums :func:`~recidive.estimation._mcf_sums.grid_sums` per partition,
pass 2 sums :func:`~recidive.estimation._mcf_sums.person_sums` per partition
with the totals of pass 1, and the driver turns the two sums into the curve.
:func:`mean_cumulative_function_by` is written on those pieces for pandas; a
Dask path reuses them unchanged.

Weights are frequency weights, as everywhere in recidive: a person of weight
``w`` counts as ``w`` persons, so the variance is ``sum_i w_i D_i(t)^2`` and the
result equals that of the expanded data. R's ``weights=`` are sampling weights
(``sum_i (w_i D_i)^2``); the two agree without weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from recidive import _engines, defaults
from recidive._arguments import check_conf_level, check_time_unit, shown
from recidive._version import __version__
from recidive.errors import ArgumentError
from recidive.estimation._confint import z_value
from recidive.estimation._input import check_columns, check_times_requested
from recidive.estimation._mcf_sums import (
    at_risk,
    entry_sums,
    grid_sums,
    mcf_columns,
    person_sums,
    time_grid,
)
from recidive.estimation._person_rows import PersonRows, check_person_rows
from recidive.estimation.risk_table import stratum_codes

COLUMNS: tuple[str, ...] = (
    "time",
    "n_at_risk",
    "n_events",
    "mcf",
    "std_err",
    "ci_lower",
    "ci_upper",
)
CONF_TYPES: tuple[str, ...] = ("log", "plain")
OK, INSUFFICIENT = "ok", "insufficient_follow_up"


def check_mcf_conf(conf_type: str, conf_level: float) -> tuple[str, float]:
    """Check the interval type (``"log"`` or ``"plain"``) and level of an MCF."""
    if conf_type not in CONF_TYPES:
        raise ArgumentError(
            f"conf_type of a mean cumulative function must be one of "
            f"{', '.join(map(repr, CONF_TYPES))}; got {shown(conf_type)}"
        )
    return conf_type, check_conf_level(conf_level)


def mcf_conf_int(
    mcf: np.ndarray, std_err: np.ndarray, conf_type: str, conf_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits: ``log`` ``mcf * exp(±z se / mcf)``, ``plain`` ``mcf ± z se`` (>= 0).

    Where the MCF is 0 (no event yet) both limits are 0.

    Examples
    --------
    >>> lo, hi = mcf_conf_int(np.array([0.0, 0.5]), np.array([0.0, 0.25]), "log", 0.95)
    >>> lo.round(4).tolist(), hi.round(4).tolist()
    ([0.0, 0.1877], [0.0, 1.3322])
    """
    z = z_value(conf_level)
    if conf_type == "plain":
        return np.maximum(mcf - z * std_err, 0.0), mcf + z * std_err
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.exp(z * np.where(mcf > 0, std_err / mcf, 0.0))
    return mcf / spread, mcf * spread


@dataclass(frozen=True, eq=False)
class MCFResult:
    """A fitted mean cumulative function (immutable).

    Use :meth:`to_frame` for the curve and :meth:`at` for values at given times.

    Attributes
    ----------
    n : float
        (Weighted) number of persons.
    n_events : float
        (Weighted) number of events.
    conf_type : str
        ``"log"`` or ``"plain"``.
    conf_level : float
        Confidence level of ``ci_lower`` / ``ci_upper``.
    time_unit : str or None
        Unit of the times, if given.
    version : str
        recidive version that made the result.
    """

    _columns: dict = field(repr=False)
    _risk: dict = field(repr=False)
    n: float
    n_events: float
    conf_type: str
    conf_level: float
    time_unit: str | None = None
    weighted: bool = False
    n_rows: int = 0
    version: str = __version__

    @property
    def time(self) -> np.ndarray:
        """Distinct stop times (event or censoring)."""
        return self._columns["time"]

    @property
    def mcf(self) -> np.ndarray:
        """Mean number of events per person up to and including each time."""
        return self._columns["mcf"]

    @property
    def metadata(self) -> dict[str, Any]:
        """What a report needs to describe the estimate."""
        return {
            "estimator": "mean_cumulative_function",
            "n": self.n,
            "n_rows": self.n_rows,
            "n_events": self.n_events,
            "conf_type": self.conf_type,
            "conf_level": self.conf_level,
            "variance": "lawless_nadeau",
            "time_unit": self.time_unit,
            "weighted": self.weighted,
            "version": self.version,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per distinct stop time, as R's curve: ``time, n_at_risk, n_events,
        mcf, std_err, ci_lower, ci_upper``."""
        return pd.DataFrame({c: np.array(self._columns[c]) for c in COLUMNS})

    def at(self, times) -> pd.DataFrame:
        """Values at given times: the columns of :meth:`to_frame` and ``status``.

        ``mcf``, ``std_err`` and the limits are those of the last stop time at
        or before ``t`` (0 before the first). ``n_at_risk`` is the risk set at
        ``t`` itself, the rows with ``entry < t <= stop``; ``n_events`` counts
        the events in (previous requested time, t]. Past the last stop time the
        estimates are NaN with status ``insufficient_follow_up``, never the
        last value carried forward. Rows come in increasing time.

        R's ``summary(fit, times=, extend=TRUE)`` differs in two ways: past
        the end it carries the last ``cumhaz`` and ``std.chaz`` forward, and at
        a time that is not a stop time it reports as ``n.risk`` the count of the
        next stop time. At stop times within follow-up both agree.

        Examples
        --------
        >>> r = mean_cumulative_function([2, 4, 3], [1, 1, 0], [1, 1, 2], entry=[0, 2, 0])
        >>> r.at([2, 3, 5])[["time", "n_at_risk", "mcf", "status"]].values.tolist()
        [[2.0, 2.0, 0.5, 'ok'], [3.0, 2.0, 0.5, 'ok'], [5.0, 0.0, nan, 'insufficient_follow_up']]
        """
        t = np.sort(check_times_requested(times))
        c, risk = self._columns, self._risk
        time = c["time"]
        idx = np.searchsorted(time, t, side="right") - 1
        past = t > time[-1]
        leaving = np.append(np.cumsum(risk["leave"][::-1])[::-1], 0.0)
        entering = np.append(np.cumsum(risk["entry_weight"][::-1])[::-1], 0.0)
        stop_ge = leaving[np.searchsorted(time, t, side="left")]
        entry_ge = entering[np.searchsorted(risk["entry_time"], t, side="left")]
        cum_events = np.concatenate([[0.0], np.cumsum(c["n_events"])])
        previous = np.concatenate([[-1], idx[:-1]])
        out = {
            "time": t,
            "n_at_risk": stop_ge - entry_ge,
            "n_events": cum_events[idx + 1] - cum_events[previous + 1],
        }
        safe = np.maximum(idx, 0)
        for name in ("mcf", "std_err", "ci_lower", "ci_upper"):
            out[name] = np.where(past, np.nan, np.where(idx >= 0, c[name][safe], 0.0))
        out["status"] = np.where(past, INSUFFICIENT, OK)
        return pd.DataFrame(out)

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>Mean cumulative function</b>: n = {self.n:g} persons, "
            f"events = {self.n_events:g}, {self.conf_level:.0%} CI ({self.conf_type}), "
            "Lawless-Nadeau standard errors</p>"
        )
        return head + self.to_frame()._repr_html_()

    def __repr__(self) -> str:
        return (
            f"MCFResult(n={self.n:g}, n_events={self.n_events:g}, times={self.time.size}, "
            f"conf_type={self.conf_type!r}, conf_level={self.conf_level})"
        )


def mcf_from_rows(
    rows: PersonRows, conf_type: str, conf_level: float, time_unit: str | None = None
) -> MCFResult:
    """The MCF of checked rows sorted by person (the work behind the public functions)."""
    grid = time_grid(rows)
    totals = grid_sums(rows, grid)
    y = at_risk(totals["enter"], totals["leave"])
    return mcf_from_sums(
        grid.time,
        totals,
        person_sums(rows, grid, y, totals["events"]),
        entry_sums(rows),
        {"n": float(rows.person_weight().sum()), "n_rows": rows.n_rows,
         "weighted": rows.weight is not None},
        conf_type, conf_level, time_unit,
    )  # fmt: skip


def mcf_from_sums(
    time: np.ndarray,
    totals: dict,
    person_totals: dict,
    entries: tuple[np.ndarray, np.ndarray],
    counts: dict,
    conf_type: str,
    conf_level: float,
    time_unit: str | None = None,
) -> MCFResult:
    """The MCF from the reduced sums (in memory, or added up over partitions).

    ``totals`` from :func:`~recidive.estimation._mcf_sums.grid_sums`, ``person_totals``
    from :func:`~recidive.estimation._mcf_sums.person_sums`, ``entries`` the distinct entry
    times and the weight entering at each, ``counts`` ``n`` (weighted persons), ``n_rows``
    and ``weighted``.
    """
    columns = {"time": time, **mcf_columns(totals, person_totals)}
    columns["ci_lower"], columns["ci_upper"] = mcf_conf_int(
        columns["mcf"], columns["std_err"], conf_type, conf_level
    )
    entry_time, entry_weight = entries
    risk = {"leave": totals["leave"], "entry_time": entry_time, "entry_weight": entry_weight}
    for arr in (*columns.values(), *risk.values()):
        arr.setflags(write=False)
    return MCFResult(
        columns,
        risk,
        n=float(counts["n"]),
        n_events=float(totals["events"].sum()),
        conf_type=conf_type,
        conf_level=conf_level,
        time_unit=time_unit,
        weighted=bool(counts["weighted"]),
        n_rows=int(counts["n_rows"]),
    )


def mean_cumulative_function(
    stop,
    event,
    id,
    entry=None,
    weights=None,
    conf_type: str = defaults.MCF_CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
    time_unit: str | None = None,
) -> MCFResult:
    """Mean cumulative function of recurrent events, equal to R ``survfit(..., id = id)``.

    The mean number of events per person up to time ``t`` (Nelson-Aalen on the
    pooled rows), with the Lawless-Nadeau robust standard error: the same
    numbers as ``survfit(Surv(entry, stop, event) ~ 1, id = id, robust = TRUE)``
    (``cumhaz``, ``std.chaz``) without weights.

    Parameters
    ----------
    stop : array-like
        End of each (entry, stop] row at risk; times >= 0.
    event : array-like
        1 = an event at ``stop``, 0 = none.
    id : array-like
        Person of each row. A person has one or more rows that must not overlap;
        gaps between them are periods not at risk (e.g. detention).
    entry : array-like, optional
        Start of each row (default 0); a row is at risk at ``t`` when
        ``entry < t <= stop``, so an entry at ``t`` is not at risk at ``t``.
    weights : array-like, optional
        Frequency weights, the same on every row of a person: a person of
        weight ``w`` counts as ``w`` persons (the result equals that of the data
        with each person repeated ``w`` times; variance ``sum_i w_i D_i^2``). R's
        ``weights=`` are sampling weights (``sum_i (w_i D_i)^2``): with weights
        the standard errors differ from R's on the same call.
    conf_type : {"log", "plain"}
        Pointwise interval: ``log`` is ``mcf * exp(±z se / mcf)`` (default),
        ``plain`` is ``mcf ± z se`` with the lower limit clipped at 0. R gives
        no interval for ``cumhaz``.
    conf_level : float
        Confidence level, in (0, 1).
    time_unit : str, optional
        Unit of the times, kept as metadata.

    Returns
    -------
    MCFResult

    Examples
    --------
    Two persons: A has events at 2 and 5 and is followed to 6; B, followed to
    4, has an event at 3.

    >>> r = mean_cumulative_function([2, 6, 3, 4], [1, 1, 1, 0], ["A", "A", "B", "B"],
    ...                              entry=[0, 2, 0, 3])
    >>> r.to_frame()[["time", "n_at_risk", "mcf"]].values.tolist()
    [[2.0, 2.0, 0.5], [3.0, 2.0, 1.0], [4.0, 2.0, 1.0], [6.0, 1.0, 2.0]]
    """
    conf_type, conf_level = check_mcf_conf(conf_type, conf_level)
    if time_unit is not None:
        check_time_unit(time_unit)
    rows = check_person_rows(stop, event, id, entry, weights)
    return mcf_from_rows(rows, conf_type, conf_level, time_unit)


def mean_cumulative_function_by(
    frame: pd.DataFrame,
    stop: str,
    event: str,
    id: str,
    by: Sequence[str] | str | None,
    entry: str | None = None,
    weights: str | None = None,
    conf_type: str = defaults.MCF_CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
    time_unit: str | None = None,
) -> dict[Any, MCFResult]:
    """Mean cumulative functions per group of a pandas DataFrame of (entry, stop] rows.

    Each group's curve is :func:`mean_cumulative_function` on the group's rows
    (R ``survfit(Surv(entry, stop, event) ~ group, id = id, robust = TRUE)``). A
    group may change over a person's follow-up (a time-varying column): the
    person then counts in each group for the rows spent in it, as one person.

    Parameters
    ----------
    frame : pandas.DataFrame, dask.dataframe.DataFrame or str
        One row per interval at risk. A Dask DataFrame or a Parquet path is reduced
        partition by partition (:mod:`recidive.dask.mcf`); its partitions must hold whole
        persons (all rows of an id in one partition), and ``by`` is not supported there.
    stop, event, id : str
        Columns of the stop time, the 0/1 event flag and the person.
    by : str, list of str or None
        Grouping columns; ``None`` (or ``[]``) gives one curve, labelled ``"all"``.
    entry, weights : str, optional
        Columns of the entry time (default 0) and of frequency weights.
    conf_type, conf_level, time_unit
        As for :func:`mean_cumulative_function`.

    Returns
    -------
    dict
        Group label (a tuple for several ``by`` columns) to :class:`MCFResult`,
        in sorted label order (categories in their order); groups without rows
        are left out.

    Examples
    --------
    >>> df = pd.DataFrame({"start": [0, 2, 0, 3], "stop": [2, 6, 3, 4], "event": [1, 1, 1, 0],
    ...                    "id": list("AABB"), "sex": list("FFMM")})
    >>> curves = mean_cumulative_function_by(df, "stop", "event", "id", by="sex", entry="start")
    >>> {sex: r.to_frame()["mcf"].tolist() for sex, r in curves.items()}
    {'F': [1.0, 2.0], 'M': [1.0, 1.0]}
    """
    conf_type, conf_level = check_mcf_conf(conf_type, conf_level)
    if time_unit is not None:
        check_time_unit(time_unit)
    if _engines.is_distributed(frame):  # Dask: two passes of sums over whole persons
        return _engines.implementation("mean_cumulative_function_by")(
            frame, stop, event, id, by, entry, weights, conf_type, conf_level, time_unit
        )
    by = [by] if isinstance(by, str) else list(by or ())
    optional = [c for c in (entry, weights) if c is not None]
    check_columns(frame, [stop, event, id, *by, *optional], "mean_cumulative_function_by")
    codes, labels = stratum_codes([frame[c] for c in by] if by else None, len(frame))
    rows = check_person_rows(
        frame[stop],
        frame[event],
        frame[id],
        None if entry is None else frame[entry],
        None if weights is None else frame[weights],
        groups=codes,
    )
    order = np.argsort(rows.group, kind="stable")  # keeps each person's rows in time order
    bounds = np.searchsorted(rows.group[order], np.arange(len(labels) + 1))
    return {
        label: mcf_from_rows(rows.take(order[lo:hi]), conf_type, conf_level, time_unit)
        for label, lo, hi in zip(labels, bounds[:-1], bounds[1:], strict=True)
        if hi > lo
    }

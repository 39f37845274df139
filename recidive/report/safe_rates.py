"""Rates and curves made safe for publication: the disclosure rules applied to rate tables.

A rate table (:meth:`recidive.RateTable.to_frame`: per criterion, group and time, the
exact numbers of :func:`recidive.recidivism_rates`) goes in; the same rows come out with
only what may be published (:mod:`~recidive.report.disclosure`, rules R1-R5):

* group sizes ``n`` of groups of at least ``min_cell`` persons, with secondary
  suppression where the groups add up to the total (the total is treated as published
  even when the table has no row for it: another output publishes it);
* rates and intervals at the time points :func:`~recidive.report.disclosure.select_points`
  keeps, first for the total, then for all visible groups together (with the union of
  the hidden groups as one more curve) at a subset of the total's points;
* rounded to :data:`~recidive.report.disclosure.RATE_DECIMALS`, without event counts,
  numbers at risk or standard errors.

The times of the input are the table horizons (``horizons``, in priority) and, for
curves drawn in a figure, the points of a grid; one call covers both, so a table and a
figure of the same curve publish one set of points. The section
(:mod:`~recidive.report.content`) and ``recidive rates`` use :func:`publish_rates`; the
blocks that later issues add (serious recidivism, rates by offence type and age band,
trends) can use it the same way.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive import defaults
from recidive.report.disclosure import (
    RATE_DECIMALS,
    SUPPRESSED_STATUS,
    count_is_safe,
    hidden_groups,
    select_points,
)

#: The published columns of a rate row (besides its keys and ``horizon_years``).
PUBLISHED_COLUMNS: tuple[str, ...] = ("n", "rate", "ci_lower", "ci_upper", "status", "suppressed")
_VALUES = ("rate", "ci_lower", "ci_upper")
_INSUFFICIENT = "insufficient_follow_up"


@dataclass(frozen=True)
class PublishedRates:
    """Rate rows after disclosure control, and notes saying what was hidden and why.

    ``frame`` has the key columns of the input (``criterion``, the ``by`` columns),
    ``horizon_years`` and :data:`PUBLISHED_COLUMNS`; a row with status ``"ok"`` is
    published, ``"suppressed"`` hidden (values NaN, named in ``suppressed``),
    ``"insufficient_follow_up"`` past everyone's follow-up.
    """

    frame: pd.DataFrame
    notes: tuple[str, ...] = ()

    def at(self, horizons: Sequence[float]) -> pd.DataFrame:
        """The rows at the given horizons (table rows), in the input's order."""
        keep = np.isin(self.frame["horizon_years"].to_numpy(float), np.asarray(horizons, float))
        return self.frame[keep].reset_index(drop=True)


def publish_rates(
    frame: pd.DataFrame,
    min_cell: int = defaults.MIN_CELL,
    by: Sequence[str] | str = (),
    horizons: Sequence[float] = (),
    total_label: str = "all",
    containing: Containing | None = None,
) -> PublishedRates:
    """Apply the disclosure rules to a rate table.

    Parameters
    ----------
    frame : DataFrame
        Exact rates as ``RateTable.to_frame()``: optional ``criterion``, the ``by``
        columns, ``horizon_years, n, n_events, n_at_risk, rate, ci_lower, ci_upper,
        status``; every group at the same times.
    min_cell : int
        Threshold in persons.
    by : sequence of str
        Group columns; the row whose ``by`` values are all ``total_label`` is the total.
    horizons : sequence of float
        The table horizons, most needed first (tried first, see
        :func:`~recidive.report.disclosure.select_points`). Other times in ``frame`` are
        grid points of a figure, kept where they are safe.
    total_label : str
        Label of the total in the ``by`` columns.
    containing : Containing, optional
        A criterion whose reoffenders contain those of every criterion in ``frame`` (general
        for the types of offence): they are published only where it is, and their
        differences from it obey the rules too.

    Returns
    -------
    PublishedRates

    Examples
    --------
    >>> import recidive as rc
    >>> cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=120, seed=4))
    >>> exact = rc.recidivism_rates(cohort, ["general"], horizons=(1, 2, 5), by=["age_group"])
    >>> safe = publish_rates(exact.to_frame(), 10, by=["age_group"], horizons=(2, 5, 1))
    >>> sorted(safe.frame.columns)  # no counts of events or persons at risk, no std_err
    ['age_group', 'ci_lower', 'ci_upper', 'criterion', 'horizon_years', 'n', 'rate', 'status', 'suppressed']
    """
    by = [by] if isinstance(by, str) else list(by)
    frame = frame.reset_index(drop=True)
    keys = [c for c in ("criterion",) if c in frame.columns]
    blocks = frame.groupby(keys, sort=False) if keys else [((), frame)]
    parts, notes = [], []
    for _, block in blocks:
        out, block_notes = _publish_block(block, min_cell, by, horizons, total_label, containing)
        parts.append(out)
        notes += block_notes
    out = pd.concat(parts).sort_index() if parts else frame.iloc[:0]
    columns = keys + by + ["horizon_years", *PUBLISHED_COLUMNS]
    return PublishedRates(out[columns].reset_index(drop=True), tuple(notes))


def complete_groups(
    frame: pd.DataFrame, by: Sequence[str], levels: Mapping[str, Sequence[str]] | None = None
) -> pd.DataFrame:
    """Add empty rows (``n = 0``) for groups a rate table left out, so they show as suppressed.

    Parameters
    ----------
    frame : DataFrame
        A rate table with a ``by`` column for each grouping.
    by : sequence of str
        Group columns.
    levels : mapping, optional
        All levels of each ``by`` column (e.g. the cohort's age groups); by default the
        levels seen in ``frame``, so every combination of them has rows.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"criterion": "general", "age_group": ["all", "23+"],
    ...                   "horizon_years": 2.0, "n": [30, 30], "n_events": [12, 12],
    ...                   "n_at_risk": [15, 15], "rate": 0.4, "ci_lower": 0.3,
    ...                   "ci_upper": 0.5, "status": "ok"})
    >>> complete_groups(f, ["age_group"], {"age_group": ["<23", "23+"]})["age_group"].tolist()
    ['all', '23+', '<23']
    """
    by = list(by)
    if not by or not len(frame):
        return frame
    frame = frame.copy()
    for c in by:
        frame[c] = frame[c].astype(str)
    levels = dict(levels or {})
    for c in by:
        seen = [v for v in frame[c].unique() if v != "all"]
        levels.setdefault(c, seen)
    keys = [c for c in ("criterion",) if c in frame.columns]
    added = []
    for key, block in frame.groupby(keys, sort=False) if keys else [((), frame)]:
        present = set(map(tuple, block[by].to_numpy().tolist()))
        times = np.unique(block["horizon_years"].to_numpy(float))
        for combo in itertools.product(*(levels[c] for c in by)):
            if tuple(map(str, combo)) in present:
                continue
            rows = pd.DataFrame({"horizon_years": times})
            for c, v in zip(keys, key if isinstance(key, tuple) else (key,), strict=True):
                rows[c] = v
            for c, v in zip(by, combo, strict=True):
                rows[c] = str(v)
            rows = rows.assign(n=0.0, n_events=0.0, n_at_risk=0.0, status=_INSUFFICIENT)
            added.append(rows)
    if not added:
        return frame
    return pd.concat([frame, *added], ignore_index=True)


@dataclass(frozen=True)
class Containing:
    """The curves of a criterion whose reoffenders contain another's (general contains
    property: whoever has a property reoffence by ``t`` has a reoffence by ``t``).

    Where both are published, their difference counts persons too (reoffended, but not
    with a property offence), so :func:`publish_rates` publishes the contained
    criterion only where the containing one is published and keeps that difference,
    and its increments, at 0 or at least ``min_cell``.

    Parameters
    ----------
    exact : DataFrame
        The containing criterion's exact rates (``RateTable.to_frame()`` shape).
    published : DataFrame
        The same rows after :func:`publish_rates`.
    by : sequence of str
        Group columns of both.
    total_label : str
        Label of the total.
    """

    exact: pd.DataFrame
    published: pd.DataFrame
    by: tuple[str, ...] = ()
    total_label: str = "all"

    def at(self, key: tuple, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative reoffenders of group ``key`` (``()`` is the total) at ``times``, and
        whether the containing curve is published there."""
        values = []
        for frame in (self.exact, self.published):
            rows = frame
            for c, v in zip(self.by, key or (self.total_label,) * len(self.by), strict=True):
                rows = rows[rows[c].astype(str) == v]
            rows = rows.drop_duplicates("horizon_years")
            values.append(rows.set_index(rows["horizon_years"].astype(float)).reindex(times))
        events = values[0]["n_events"].to_numpy(float)
        return events, (values[1]["status"] == "ok").to_numpy() & np.isfinite(events)


@dataclass(frozen=True)
class _Block:
    """One criterion's rows: the candidate times, which rows are the total, and per curve
    (the total, each group) the cumulative reoffenders, persons at risk and size."""

    times: np.ndarray
    labels: pd.DataFrame
    is_total: np.ndarray
    total: tuple
    groups: dict
    hidden: set


def _block(block: pd.DataFrame, by, total_label, min_cell) -> _Block:
    times = np.unique(block["horizon_years"].to_numpy(float))
    labels = block[by].astype(str) if by else pd.DataFrame(index=block.index)
    is_total = (labels == total_label).all(axis=1).to_numpy() if by else np.ones(len(block), bool)
    groups = {}
    if by and (~is_total).any():
        for key, rows in block[~is_total].groupby([labels[c] for c in by], sort=False):
            groups[key if isinstance(key, tuple) else (key,)] = _counts(rows, times)
    if is_total.any():
        total = _counts(block[is_total], times)
    else:  # no total row: another output publishes it, so protect against it
        total = tuple(sum(g[i] for g in groups.values()) for i in range(3))
    hidden = hidden_groups({k: g[2] for k, g in groups.items()}, min_cell) if groups else set()
    if total[2] < min_cell:  # the whole criterion is too small
        hidden = set(groups)
    return _Block(times, labels, is_total, total, groups, hidden)


def _publish_block(block, min_cell, by, horizons, total_label, containing=None):
    """Publish the rows of one criterion (a total and the groups that partition it)."""
    b = _block(block, by, total_label, min_cell)
    wanted = [float(h) for h in horizons]
    order = [int(np.searchsorted(b.times, h)) for h in wanted if np.isin(h, b.times)]
    fill = [j for j in range(len(b.times)) if b.times[j] not in wanted]
    total_shown = b.total[2] >= min_cell
    visible = [k for k in b.groups if k not in b.hidden] if total_shown else []
    curves = {(): b.total, **{k: b.groups[k] for k in visible}}
    if visible and b.hidden:  # the union of the hidden groups is known as total minus the rest
        curves["hidden"] = tuple(
            b.total[i] - sum(b.groups[k][i] for k in visible) for i in range(2)
        )
    points = {"total": [], "groups": []}
    if total_shown:
        points["total"] = _select([()], curves, containing, b.times, order, fill, min_cell)
    if visible:
        allowed = set(points["total"])
        points["groups"] = _select(
            [*visible, *(["hidden"] if b.hidden else [])],
            curves,
            containing,
            b.times,
            [j for j in order if j in allowed],
            [j for j in fill if j in allowed],
            min_cell,
        )
    return _mark(block, b, by, total_label, wanted, points, min_cell)


def _select(keys, curves, containing, times, order, fill, min_cell) -> list[int]:
    """The points curves ``keys`` share; with a containing criterion, only where it is
    published, and with its difference from each curve as one more curve."""
    events = [curves[k][0] for k in keys]
    at_risk = [curves[k][1] for k in keys]
    if containing is not None:
        ok = np.ones(len(times), bool)
        for k in keys:
            if k == "hidden":  # the containing criterion's hidden union, total minus the rest
                parent = containing.at((), times)[0] - sum(
                    containing.at(g, times)[0] for g in keys if g != "hidden"
                )
                published = ok
            else:
                parent, published = containing.at(k, times)
            ok &= published
            events.append(parent - curves[k][0])
            at_risk.append(np.full(len(times), np.inf))
        order = [j for j in order if ok[j]]
        fill = [j for j in fill if ok[j]]
    return select_points(np.vstack(events), np.vstack(at_risk), order, min_cell, fill)


def _mark(block, b: _Block, by, total_label, wanted, points, min_cell):
    """The published rows: values rounded where chosen, hidden or past follow-up elsewhere."""
    out = block.copy()
    out["suppressed"] = ""
    notes = []
    name = str(block["criterion"].iloc[0]) if "criterion" in block else ""
    total_shown = b.total[2] >= min_cell
    for i, key, total_row in _rows(block, b.labels, b.is_total, by):
        own = b.total if total_row else b.groups[key]
        j = int(np.searchsorted(b.times, float(block.at[i, "horizon_years"])))
        group_hidden = not total_shown or (not total_row and key in b.hidden)
        chosen = points["total"] if total_row else points["groups"]
        where = f"{name} {'/'.join(key) if key else total_label} {b.times[j]:g}y".strip()
        if group_hidden:
            _hide(out, i, ("n", *_VALUES))
            if b.times[j] in wanted:
                notes.append(f"{where}: group of fewer than {min_cell} persons (or protecting one)")
        elif j in chosen:
            for c in _VALUES:
                out.at[i, c] = round(float(block.at[i, c]), RATE_DECIMALS)
        elif block.at[i, "status"] == _INSUFFICIENT or own[1][j] == 0:
            out.at[i, "status"] = _INSUFFICIENT
            for c in _VALUES:
                out.at[i, c] = np.nan
        else:
            _hide(out, i, _VALUES)
            if b.times[j] in wanted:
                notes.append(f"{where}: {_reason(own, j, min_cell)}")
    return out, notes


def _rows(block, labels, is_total, by):
    for pos, i in enumerate(block.index):
        key = tuple(labels.loc[i, c] for c in by) if by else ()
        yield i, key, bool(is_total[pos])


def _counts(rows: pd.DataFrame, times: np.ndarray):
    """Cumulative events, numbers at risk (at ``times``) and the size of one group."""
    unique = rows.drop_duplicates("horizon_years")
    indexed = unique.set_index(unique["horizon_years"].astype(float)).reindex(times)
    events = indexed["n_events"].fillna(0).to_numpy(float)
    at_risk = indexed["n_at_risk"].fillna(0).to_numpy(float)
    return events, at_risk, float(rows["n"].max()) if len(rows) else 0.0


def _hide(out: pd.DataFrame, i, columns) -> None:
    for c in columns:
        out.at[i, c] = np.nan
    out.at[i, "status"] = SUPPRESSED_STATUS
    out.at[i, "suppressed"] = ",".join(columns)


def _reason(counts, j: int, min_cell: int) -> str:
    events, at_risk, _ = counts
    if at_risk[j] < min_cell:
        return f"fewer than {min_cell} persons still at risk"
    if not count_is_safe(events[j], min_cell):
        return f"fewer than {min_cell} persons with a reoffence"
    return f"left out so that no difference with another published value shows fewer than {min_cell} persons"

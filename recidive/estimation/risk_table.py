"""Risk tables: counts per (stratum, distinct time), the one pass over the data.

Every non-parametric estimator in :mod:`recidive.estimation` works from a
:class:`RiskTable`. Building it is the only pass over the rows: non-negative
integer times (days) are counted with a single ``np.bincount`` over
``(kind * n_strata + stratum) * (max_time + 1) + time`` cell codes (no sort;
kind 0 = censored, 1, 2, ... = cause), formed from narrow integer codes with
one int64 multiply-add; other times are first mapped to their distinct values
with ``np.unique``. Risk tables are sums, so tables of disjoint parts of the
data add up (``a + b``) to the table of the whole, which is how partitions of
a Dask DataFrame or Parquet dataset are reduced by the Dask wing
(:func:`frame_risk_table` dispatches to :mod:`recidive.dask.risk_table`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from recidive import _engines
from recidive.errors import ArgumentError
from recidive.estimation._entries import Entries, count_entries, weight_at_or_after
from recidive.estimation._input import (
    check_cause,
    check_columns,
    check_entry,
    check_event,
    check_time,
    check_weights,
)

#: Largest dense (stratum x time x cause) grid counted with one ``bincount``.
_MAX_DENSE_CELLS = 50_000_000


@dataclass(frozen=True, eq=False)
class RiskTable:
    """Counts at risk, of events by cause and of censored, per stratum and time.

    Rows are sorted by stratum, then time; only times with a (weighted)
    observation appear. Arrays are read-only.

    Attributes
    ----------
    strata : pandas.Index
        Stratum labels (a ``MultiIndex`` for several stratifying columns); a
        table without strata has the single label ``"all"``.
    stratum : ndarray of int64
        Stratum code of each row (position in ``strata``).
    time : ndarray
        Distinct time of each row.
    n_events : ndarray of float64, shape (rows, len(causes))
        (Weighted) events of each cause at that time.
    n_censored : ndarray of float64
        (Weighted) censored at that time.
    causes : tuple of int
        The cause codes of the columns of ``n_events``.
    weighted : bool
        Whether frequency weights were given.
    entries : Entries or None
        With delayed entry (left truncation), the weight entering the risk set per
        (stratum, entry time); a row is at risk at ``t`` when ``entry < t <= time``, so
        ``n_at_risk`` is the weight leaving at or after ``t`` minus the weight entering
        at or after ``t``. ``None``: every row is at risk from time 0.

    Examples
    --------
    >>> from recidive.estimation.risk_table import risk_table
    >>> rt = risk_table([3, 1, 3, 5], [1, 0, 1, 0])
    >>> rt.to_frame()[["time", "n_at_risk", "n_events", "n_censored"]].values.tolist()
    [[1.0, 4.0, 0.0, 1.0], [3.0, 3.0, 2.0, 0.0], [5.0, 1.0, 0.0, 1.0]]
    """

    strata: pd.Index
    stratum: np.ndarray
    time: np.ndarray
    n_events: np.ndarray
    n_censored: np.ndarray
    causes: tuple[int, ...] = (1,)
    weighted: bool = False
    entries: Entries | None = None
    n_at_risk: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("stratum", "time", "n_events", "n_censored"):
            arr = np.array(getattr(self, name))
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        if self.n_events.ndim != 2 or self.n_events.shape[1] != len(self.causes):
            raise ArgumentError("n_events must have one column per cause")
        total = self.n_events.sum(axis=1) + self.n_censored
        at_risk = np.empty_like(total)
        for lo, hi in self._bounds():
            at_risk[lo:hi] = np.cumsum(total[lo:hi][::-1])[::-1]
        if self.entries is not None and len(self.entries):
            e = self.entries
            at_risk -= weight_at_or_after(
                e.stratum, e.time, e.weight, self.n_strata, self.stratum, self.time
            )
        at_risk.setflags(write=False)
        object.__setattr__(self, "n_at_risk", at_risk)

    def _bounds(self) -> list[tuple[int, int]]:
        edges = np.searchsorted(self.stratum, np.arange(len(self.strata) + 1))
        return [(int(edges[k]), int(edges[k + 1])) for k in range(len(self.strata))]

    @property
    def n_strata(self) -> int:
        """Number of strata."""
        return len(self.strata)

    def rows(self, k: int) -> slice:
        """The rows of stratum ``k`` (a slice into the arrays)."""
        lo, hi = np.searchsorted(self.stratum, [k, k + 1])
        return slice(int(lo), int(hi))

    def n(self) -> np.ndarray:
        """(Weighted) number of observations per stratum."""
        total = self.n_events.sum(axis=1) + self.n_censored
        return np.bincount(self.stratum, weights=total, minlength=self.n_strata)

    def events(self) -> np.ndarray:
        """(Weighted) events of any cause per row."""
        return self.n_events.sum(axis=1)

    def at_risk_at(self, times) -> np.ndarray:
        """The (weighted) risk set at each of ``times`` in every stratum: shape (strata, times).

        The rows with ``entry < t <= time``: the weight leaving at or after ``t`` minus
        the weight entering at or after ``t`` (without entries, the rows with
        ``time >= t``). At a time of the table this is ``n_at_risk``.
        """
        t = np.asarray(times, dtype=float)
        if self.entries is None or not len(self.entries):
            return self._at_risk_from_time_0(t)
        q_stratum = np.repeat(np.arange(self.n_strata), t.size)
        q_time = np.tile(t, self.n_strata)
        total = self.n_events.sum(axis=1) + self.n_censored
        out = weight_at_or_after(self.stratum, self.time, total, self.n_strata, q_stratum, q_time)
        if self.entries is not None and len(self.entries):
            e = self.entries
            out -= weight_at_or_after(e.stratum, e.time, e.weight, self.n_strata, q_stratum, q_time)
        return out.reshape(self.n_strata, t.size)

    def _at_risk_from_time_0(self, t: np.ndarray) -> np.ndarray:
        """:meth:`at_risk_at` without entries: ``n_at_risk`` of each stratum's first row at
        or after ``t`` (0 past its last row), a search per stratum."""
        out = np.zeros((self.n_strata, t.size))
        for k, (lo, hi) in enumerate(self._bounds()):
            first = lo + np.searchsorted(self.time[lo:hi], t, side="left")
            inside = first < hi
            out[k, inside] = self.n_at_risk[first[inside]]
        return out

    def pool(self, key: np.ndarray | None = None, labels: pd.Index | None = None) -> RiskTable:
        """Pool strata: stratum ``k`` goes into new stratum ``key[k]``.

        Without ``key`` all strata are pooled into one labelled ``"all"``.
        """
        if key is None:
            key = np.zeros(self.n_strata, dtype=np.int64)
            labels = pd.Index(["all"])
        key = np.asarray(key, dtype=np.int64)
        if labels is None:
            labels = pd.Index(np.arange(key.max() + 1 if key.size else 0))
        return _aggregate(
            labels,
            key[self.stratum],
            self.time,
            self.n_events,
            self.n_censored,
            self.causes,
            self.weighted,
            None if self.entries is None else self.entries.recode(key),
        )

    def drop_empty(self) -> RiskTable:
        """The same table without strata that have no rows."""
        used = np.bincount(self.stratum, minlength=self.n_strata) > 0
        if used.all():
            return self
        lookup = np.cumsum(used) - 1
        entries = self.entries
        if entries is not None:
            entries = entries.recode(np.where(used, lookup, -1))
        return RiskTable(
            self.strata[used],
            lookup[self.stratum],
            self.time,
            self.n_events,
            self.n_censored,
            self.causes,
            self.weighted,
            entries,
        )

    def __add__(self, other: RiskTable) -> RiskTable:
        """Merge two tables of disjoint data: counts at equal (stratum, time) add up."""
        if not isinstance(other, RiskTable):
            return NotImplemented
        if self.strata.nlevels != other.strata.nlevels:
            raise ArgumentError("cannot add risk tables stratified by different columns")
        causes = tuple(sorted(set(self.causes) | set(other.causes)))
        if self.strata.equals(other.strata):
            labels = self.strata  # same strata (e.g. partitions): keep their order
        else:
            labels = self.strata.append(other.strata).unique()
            try:
                labels = labels.sort_values()
            except TypeError:
                pass
        parts = []
        entries = None
        for rt in (self, other):
            events = np.zeros((rt.time.shape[0], len(causes)))
            for j, c in enumerate(rt.causes):
                events[:, causes.index(c)] = rt.n_events[:, j]
            key = labels.get_indexer(rt.strata)
            parts.append((key[rt.stratum], events))
            if rt.entries is not None:
                moved = rt.entries.recode(key)
                entries = moved if entries is None else entries + moved
        return _aggregate(
            labels,
            np.concatenate([parts[0][0], parts[1][0]]),
            np.concatenate([self.time, other.time]),
            np.concatenate([parts[0][1], parts[1][1]]),
            np.concatenate([self.n_censored, other.n_censored]),
            causes,
            self.weighted or other.weighted,
            entries,
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per (stratum, time): stratum label columns, ``time``,
        ``n_at_risk``, ``n_events`` (all causes), one ``n_events_<cause>`` column
        per cause when there are several, and ``n_censored``."""
        out = {}
        names = [n if n is not None else "stratum" for n in self.strata.names]
        labels = self.strata.take(self.stratum)
        if self.strata.nlevels > 1:
            for name, level in zip(names, range(self.strata.nlevels), strict=True):
                out[name] = labels.get_level_values(level)
        else:
            out[names[0]] = np.asarray(labels)
        out["time"] = self.time
        out["n_at_risk"] = self.n_at_risk
        out["n_events"] = self.events()
        if len(self.causes) > 1:
            for j, c in enumerate(self.causes):
                out[f"n_events_{c}"] = self.n_events[:, j]
        out["n_censored"] = self.n_censored
        return pd.DataFrame(out)

    def _repr_html_(self) -> str:
        return self.to_frame()._repr_html_()


def _aggregate(
    labels, stratum, time, n_events, n_censored, causes, weighted, entries=None
) -> RiskTable:
    """Sum rows with equal (stratum, time) and drop rows with zero weight."""
    if not weighted and time.dtype.kind == "i" and time.size:
        # Unweighted counts are integers, so any order of summation is exact:
        # count on the dense (stratum, time) grid instead of sorting.
        t_min = int(time.min())
        n_times = int(time.max()) - t_min + 1
        cells = len(labels) * n_times
        if cells <= 8 * time.size + 1_000_000:
            code = stratum * n_times + (time - t_min)
            ev = np.stack(
                [np.bincount(code, weights=col, minlength=cells) for col in n_events.T], axis=1
            )
            ce = np.bincount(code, weights=n_censored, minlength=cells)
            rows = np.flatnonzero(ev.sum(axis=1) + ce > 0)
            return RiskTable(
                labels, rows // n_times, rows % n_times + t_min, ev[rows], ce[rows],
                tuple(causes), weighted, entries,
            )  # fmt: skip
    order = np.lexsort((time, stratum))
    s, t = stratum[order], time[order]
    new = np.ones(s.shape[0], dtype=bool)
    new[1:] = (s[1:] != s[:-1]) | (t[1:] != t[:-1])
    starts = np.flatnonzero(new)
    ev = np.add.reduceat(n_events[order], starts, axis=0) if starts.size else n_events[:0]
    ce = np.add.reduceat(n_censored[order], starts) if starts.size else n_censored[:0]
    keep = (ev.sum(axis=1) + ce) > 0
    return RiskTable(
        labels, s[starts][keep], t[starts][keep], ev[keep], ce[keep], tuple(causes), weighted,
        entries,
    )  # fmt: skip


def stratum_codes(strata, n: int, compress: bool = True) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (0..S-1, in sorted label order) and labels of the strata.

    ``strata`` is ``None``, one array-like of labels, or a DataFrame (or a list
    of Series) of several columns (labels then form a ``MultiIndex``). Categorical columns are coded
    without hashing. With ``compress=False`` the labels are the full product
    of the columns' levels (some may be empty; drop them from the risk table
    with :meth:`RiskTable.drop_empty`), which saves passes over the rows.
    """
    if strata is None:
        return np.zeros(n, dtype=np.int64), pd.Index(["all"])
    several = isinstance(strata, pd.DataFrame) or (
        isinstance(strata, list) and bool(strata) and all(isinstance(c, pd.Series) for c in strata)
    )
    if isinstance(strata, pd.DataFrame):
        columns = [strata[c] for c in strata.columns]
    elif several:
        columns = strata
    else:
        columns = [strata if isinstance(strata, pd.Series) else pd.Series(np.asarray(strata))]
    codes_list, levels = [], []
    for col in columns:
        name = col.name if several else getattr(strata, "name", None)
        codes, labels = _column_codes(col, n, str(name) if name is not None else "strata", compress)
        codes_list.append(codes)
        levels.append(labels)
    if len(columns) == 1:
        return codes_list[0], pd.Index(levels[0], name=columns[0].name)
    sizes = [len(lv) for lv in levels]
    total = int(np.prod(sizes, dtype=np.float64))
    # Combine in the narrowest integer type that holds every code: for the
    # usual handful of categorical columns this is int8 or int16, so each step
    # is a cheap pass over 1-2 bytes per row instead of 8.
    combined = codes_list[0].astype(_code_dtype(total))
    for codes, size in zip(codes_list[1:], sizes[1:], strict=True):
        combined *= size
        combined += codes
    if not compress and total <= 100_000:
        index = pd.MultiIndex.from_product(levels, names=[c.name for c in columns])
        return combined, index
    if total <= max(4 * n, 1_000_000):
        used = np.flatnonzero(np.bincount(combined, minlength=total))
        lookup = np.full(total, -1, dtype=np.int64)
        lookup[used] = np.arange(used.size)
        codes = lookup[combined]
    else:
        used, codes = np.unique(combined, return_inverse=True)
    parts = np.unravel_index(used, sizes)
    index = pd.MultiIndex.from_arrays(
        [lv.take(p) for lv, p in zip(levels, parts, strict=True)],
        names=[c.name for c in columns],
    )
    return codes.astype(_code_dtype(len(index)), copy=False), index


def _code_dtype(n_codes: int) -> np.dtype:
    """Narrowest signed integer type that holds codes ``0 .. n_codes - 1``."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_codes <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def _column_codes(
    col: pd.Series, n: int, name: str, compress: bool = True
) -> tuple[np.ndarray, pd.Index]:
    if col.shape[0] != n:
        raise ArgumentError(f"{name} has {col.shape[0]} values but time has {n}")
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        cats = col.cat.categories
    elif col.dtype.kind in "iub" and n:
        values = col.to_numpy()
        lo, hi = int(values.min()), int(values.max())
        if hi - lo <= max(n, 1_000_000):
            codes = (values - lo).astype(_code_dtype(hi - lo + 1))
            cats = pd.RangeIndex(lo, hi + 1)
        else:
            codes, cats = pd.factorize(values, sort=True)
    else:
        codes, cats = pd.factorize(col.to_numpy(), sort=True, use_na_sentinel=True)
    if n and codes.min() < 0:
        bad = np.flatnonzero(codes < 0)
        raise ArgumentError(
            f"stratum column {name} is missing in {bad.size} rows (rows "
            f"{', '.join(map(str, bad[:5]))}); drop those rows or give them a value"
        )
    if compress:
        used = np.bincount(codes, minlength=len(cats)) > 0
        if not used.all():
            lookup = np.cumsum(used) - 1
            codes, cats = lookup[codes], cats[used]
    return codes, pd.Index(cats, name=col.name)


def build_risk_table(
    time: np.ndarray,
    cause: np.ndarray,
    weights: np.ndarray | None,
    stratum: np.ndarray,
    labels: pd.Index,
    causes: tuple[int, ...] | None = None,
    entry: np.ndarray | None = None,
) -> RiskTable:
    """Build a risk table from checked arrays (internal; see :func:`risk_table`).

    ``stratum`` holds codes ``0 .. len(labels) - 1`` in any integer type (the
    narrower, the faster); ``entry`` (checked, optional) the entry times; the
    arrays are not modified.
    """
    n_strata = len(labels)
    entries = None if entry is None else count_entries(entry, weights, stratum, n_strata)
    if causes is None:
        causes = tuple(int(c) for c in np.unique(cause) if c > 0) or (1,)
    n_kinds = len(causes) + 1
    if causes == tuple(range(1, n_kinds)):
        kind = cause
        if kind.size and kind.max() >= n_kinds:
            raise ArgumentError(f"cause codes beyond {causes} are present")
    else:
        lookup = np.full(int(max(causes)) + 1, -1, dtype=np.int64)
        lookup[0] = 0
        lookup[list(causes)] = np.arange(1, n_kinds)
        kind = lookup[np.minimum(cause, lookup.size - 1)]
        kind[cause >= lookup.size] = -1
        if (kind < 0).any():
            raise ArgumentError(f"cause codes outside {causes} are present")
    if time.dtype.kind == "i":
        t_min, t_max = int(time.min()), int(time.max())
        # Count from day 0 unless that would more than double the grid: the
        # times then index the grid as they are, without a subtraction pass.
        if t_min <= t_max - t_min + 1:
            t_min = 0
        grid_times = None
        n_times = t_max - t_min + 1
        t_idx = time - t_min if t_min else time
    else:
        grid_times, t_idx = np.unique(time, return_inverse=True)
        n_times = grid_times.shape[0]
    cells = n_strata * n_times * n_kinds
    if cells <= _MAX_DENSE_CELLS and (cells <= 8 * time.shape[0] + 1_000_000):
        # Cell code ((kind * n_strata + stratum) * n_times + time), kind
        # outermost: the (kind, stratum) part is formed in a 1-2 byte type and
        # a single multiply-add writes the int64 codes that bincount reads.
        if n_strata > 1:
            group = np.multiply(kind, n_strata, dtype=_code_dtype(n_kinds * n_strata))
            group += stratum
        else:
            group = kind
        code = np.multiply(group, n_times, dtype=np.int64)
        code += t_idx
        counts = np.bincount(code, weights=weights, minlength=cells).astype(np.float64, copy=False)
        counts = counts.reshape(n_kinds, n_strata * n_times)
        rows = np.flatnonzero(counts.sum(axis=0) > 0)
        row_times = rows % n_times
        row_times = row_times + t_min if grid_times is None else grid_times[row_times]
        return RiskTable(
            labels,
            rows // n_times,
            row_times,
            counts[1:, rows].T,
            counts[0, rows],
            causes,
            weights is not None,
            entries,
        )
    code = (stratum.astype(np.int64) * n_times + t_idx) * n_kinds + kind
    cell, inverse = np.unique(code, return_inverse=True)
    counts = np.bincount(inverse, weights=weights, minlength=cell.shape[0])
    row_code = cell // n_kinds
    rows, first = np.unique(row_code, return_inverse=True)
    table = np.zeros((rows.shape[0], n_kinds))
    np.add.at(table, (first, cell % n_kinds), counts)
    keep = table.sum(axis=1) > 0
    rows, table = rows[keep], table[keep]
    row_times = rows % n_times
    row_times = row_times + t_min if grid_times is None else grid_times[row_times]
    return RiskTable(
        labels, rows // n_times, row_times, table[:, 1:], table[:, 0], causes, weights is not None,
        entries,
    )  # fmt: skip


def risk_table(time, event_or_cause, weights=None, strata=None, entry=None) -> RiskTable:
    """Count at risk, events by cause and censored per stratum and distinct time.

    Parameters
    ----------
    time : array-like
        Non-negative follow-up times (integer days, or any numbers).
    event_or_cause : array-like
        0 = censored; 1 = event; for competing risks 1, 2, ... = cause.
    weights : array-like, optional
        Non-negative frequency weights; rows with weight 0 are dropped.
    strata : array-like or DataFrame, optional
        Stratum labels, one column or several.
    entry : array-like, optional
        Entry times (delayed entry, left truncation): a row is at risk at ``t`` when
        ``entry < t <= time``, as R ``Surv(entry, time, event)``.

    Returns
    -------
    RiskTable

    Examples
    --------
    >>> rt = risk_table([2, 2, 5, 7], [1, 2, 0, 1], strata=["a", "a", "b", "b"])
    >>> rt.to_frame()["n_at_risk"].tolist()
    [2.0, 2.0, 1.0]
    >>> risk_table([2, 4, 5], [1, 0, 1], entry=[0, 2, 3]).to_frame()["n_at_risk"].tolist()
    [1.0, 2.0, 1.0]
    """
    t = check_time(time)
    n = t.shape[0]
    cause = check_cause(event_or_cause, n, "event_or_cause")
    w = check_weights(weights, n)
    e, t = check_entry(entry, t)
    codes, labels = stratum_codes(strata, n)
    return build_risk_table(t, cause, w, codes, labels, entry=e)


def competing_kind(cause: np.ndarray, cause_of_interest: int) -> np.ndarray:
    """Recode causes to 0 = censored, 1 = the cause of interest, 2 = another cause."""
    if cause_of_interest <= 0:
        raise ArgumentError(f"cause_of_interest must be a cause code >= 1; got {cause_of_interest}")
    return np.where(cause == 0, 0, np.where(cause == cause_of_interest, 1, 2))


def frame_risk_table(
    frame,
    duration: str,
    event: str,
    by: Sequence[str] = (),
    weights=None,
    cause_of_interest: int | None = None,
    what: str = "risk_table",
    entry: str | None = None,
) -> RiskTable:
    """Risk table of a survival frame stratified by the full product of the ``by`` levels.

    ``frame`` is a pandas DataFrame, a Dask DataFrame or the path of a Parquet
    file or dataset; the last two are reduced partition by partition by the Dask
    wing (:func:`recidive.dask.risk_table.dask_risk_table`), which calls this
    function on each partition. ``event`` is a 0/1 flag, or with
    ``cause_of_interest`` a cause code (the table then has causes ``(1, 2)``:
    the cause of interest and any other). ``entry`` names a column of entry times
    (delayed entry: at risk on ``(entry, duration]``). Strata may be empty; callers
    drop them.
    """
    by = list(by)
    if _engines.is_distributed(frame):
        return _engines.implementation("frame_risk_table")(
            frame, duration, event, by, weights, cause_of_interest, what, entry=entry
        )
    wcol = [weights] if isinstance(weights, str) else []
    ecol = [] if entry is None else [entry]
    check_columns(frame, [duration, event, *by, *wcol, *ecol], what)
    t = check_time(frame[duration], duration)
    e, t = check_entry(None if entry is None else frame[entry], t, duration, entry or "entry")
    n = t.shape[0]
    if cause_of_interest is None:
        kind, causes = check_event(frame[event], n, event), (1,)
    else:
        kind, causes = (
            competing_kind(check_cause(frame[event], n, event), cause_of_interest),
            (1, 2),
        )
    w = check_weights(frame[weights] if wcol else weights, n)
    codes, labels = stratum_codes([frame[c] for c in by] if by else None, n, compress=False)
    return build_risk_table(t, kind, w, codes, labels, causes, e)

"""Delayed entry (left truncation) in risk tables: who joins the risk set, and when.

A row with entry time ``a`` and exit time ``b`` is at risk at ``t`` when ``a < t <= b``
(R ``Surv(a, b, event)``): it is not at risk at its own entry time, and it is at
risk at its exit time. So the number at risk at ``t`` is the weight leaving at or
after ``t`` minus the weight entering at or after ``t``, and a risk table needs no
more than its counts of exits per (stratum, time) and, beside them, the weight
entering per (stratum, entry time). Both are sums over rows: the tables of parts of
the data still add up to the table of the whole, which is what lets the Dask wing
reduce partitions of (entry, exit] rows exactly as it reduces partitions of exits.

Entries are counted like exits: for integer days one ``np.bincount`` over
``stratum * span + day`` cell codes, otherwise a sort. Looking up "weight at or
after ``t``" for many (stratum, t) pairs is one ``searchsorted`` over combined
(stratum, time) keys (:func:`grouped_positions`), not a loop over strata.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recidive.errors import ArgumentError

#: Integer times are counted on a dense (stratum x day) grid while it holds at most this
#: many cells per row plus a slack (else they are sorted).
_DENSE_CELLS_PER_ROW, _DENSE_CELLS_SLACK = 8, 1_000_000


@dataclass(frozen=True, eq=False)
class Entries:
    """Weight entering the risk set per (stratum, entry time), sorted by stratum, then time.

    Times are distinct within a stratum and every weight is positive. Arrays are read-only.
    """

    stratum: np.ndarray
    time: np.ndarray
    weight: np.ndarray

    def __post_init__(self) -> None:
        for name in ("stratum", "time", "weight"):
            arr = np.array(getattr(self, name))
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def recode(self, key: np.ndarray) -> Entries:
        """The entries with stratum ``k`` moved to stratum ``key[k]`` (merged where they meet);
        a negative key drops the stratum."""
        new = np.asarray(key, dtype=np.int64)[self.stratum]
        keep = new >= 0
        return aggregate_entries(new[keep], self.time[keep], self.weight[keep])

    def __add__(self, other: Entries) -> Entries:
        return aggregate_entries(
            np.concatenate([self.stratum, other.stratum]),
            np.concatenate([self.time, other.time]),
            np.concatenate([self.weight, other.weight]),
        )


def aggregate_entries(stratum: np.ndarray, time: np.ndarray, weight: np.ndarray) -> Entries:
    """Sum the weights of equal (stratum, time); drop zero weights; sort."""
    stratum = np.asarray(stratum, dtype=np.int64)
    order = np.lexsort((time, stratum))
    s, t, w = stratum[order], time[order], np.asarray(weight, dtype=np.float64)[order]
    new = np.ones(s.shape[0], dtype=bool)
    new[1:] = (s[1:] != s[:-1]) | (t[1:] != t[:-1])
    starts = np.flatnonzero(new)
    summed = np.add.reduceat(w, starts) if starts.size else w[:0]
    keep = summed > 0
    return Entries(s[starts][keep], t[starts][keep], summed[keep])


def count_entries(
    entry: np.ndarray, weights: np.ndarray | None, stratum: np.ndarray, n_strata: int
) -> Entries:
    """The :class:`Entries` of checked entry times (one ``bincount`` for integer days)."""
    if entry.dtype.kind == "i" and entry.size:
        lo, hi = int(entry.min()), int(entry.max())
        span = hi - lo + 1
        cells = n_strata * span
        if cells <= _DENSE_CELLS_PER_ROW * entry.size + _DENSE_CELLS_SLACK:
            code = np.multiply(stratum, span, dtype=np.int64) if n_strata > 1 else None
            day = entry - lo if lo else entry
            code = day.astype(np.int64) if code is None else code + day
            counts = np.bincount(code, weights=weights, minlength=cells).astype(np.float64)
            cell = np.flatnonzero(counts)
            return Entries(cell // span, (cell % span + lo).astype(entry.dtype), counts[cell])
    w = np.ones(entry.shape[0]) if weights is None else weights
    return aggregate_entries(stratum, entry, w)


def grouped_positions(
    stratum: np.ndarray, time: np.ndarray, q_stratum: np.ndarray, q_time: np.ndarray
) -> np.ndarray:
    """For each query (stratum, t): the first position of ``(stratum, time)`` at or after it.

    ``stratum`` and ``time`` are sorted by stratum, then time: the answer is
    ``searchsorted(..., side="left")`` on the combined keys, for all queries at once.
    """
    q_stratum = np.asarray(q_stratum, dtype=np.int64)
    q_time = np.asarray(q_time)
    if time.size == 0:
        return np.zeros(q_time.shape, dtype=np.int64)
    values = np.unique(np.concatenate([np.asarray(time, dtype=float), q_time.astype(float)]))
    size = values.shape[0]
    key = np.asarray(stratum, dtype=np.int64) * size + np.searchsorted(values, time)
    q_key = q_stratum * size + np.searchsorted(values, q_time)
    return np.searchsorted(key, q_key, side="left")


def weight_at_or_after(
    stratum: np.ndarray,
    time: np.ndarray,
    weight: np.ndarray,
    n_strata: int,
    q_stratum: np.ndarray,
    q_time: np.ndarray,
) -> np.ndarray:
    """Sum of ``weight`` over rows of the query's stratum with ``time >= t``, per query.

    The rows (``stratum``, ``time``, ``weight``) are sorted by stratum, then time.
    """
    after = np.zeros(weight.shape[0] + 1)
    after[:-1] = np.cumsum(weight[::-1])[::-1]
    ends = np.searchsorted(stratum, np.arange(n_strata) + 1, side="left")
    pos = grouped_positions(stratum, time, q_stratum, q_time)
    end = ends[np.asarray(q_stratum, dtype=np.int64)]
    return after[np.minimum(pos, end)] - after[end]


def check_entry_before_exit(
    entry: np.ndarray, time: np.ndarray, exit_name: str, name: str = "entry"
) -> None:
    """Raise when a row's entry is not strictly before its exit (an empty interval)."""
    bad = entry >= time
    if bad.any():
        rows = np.flatnonzero(bad)
        j = int(rows[0])
        more = ", …" if rows.size > 5 else ""
        raise ArgumentError(
            f"{name} is not before {exit_name} in {rows.size} rows (rows "
            f"{', '.join(str(int(r)) for r in rows[:5])}{more}; row {j}: {name} "
            f"{entry[j].item()!r}, {exit_name} {time[j].item()!r}); a row is at risk on "
            f"({name}, {exit_name}], so {name} must be before {exit_name}: correct the "
            "times or drop the empty rows"
        )

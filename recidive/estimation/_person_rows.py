"""The input gateway of recurrent-event data: (entry, stop] rows of persons.

The mean cumulative function and the test of equal MCFs take one row per
interval at risk, several rows per person. Their Lawless-Nadeau variance is a
sum over persons of squared per-person sums, and those sums run over a
person's rows in time order. So the rows are checked once here and handed on
sorted by person, then time: the sort that the variance needs is the one that
finds overlapping rows of a person, and an input that is already in that
order (as ``tmerge`` and the cohort builder write it) is detected in one pass
and not sorted at all.

Rules: ``stop`` and ``entry`` are finite times >= 0 with ``entry < stop``
(``entry`` defaults to 0); ``event`` is 0/1; the rows of one id do not
overlap (gaps are allowed and mean "not at risk"); frequency weights are the
same on every row of an id. Rows of weight 0 are dropped (they are not in the
expanded data). Messages name the argument, the count, the first rows or ids
and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive._arguments import shown
from recidive.errors import ArgumentError
from recidive.estimation._input import check_event, check_time, check_weights

#: A combined (person, time) sort key must stay below this (int64 with room).
_MAX_KEY = 2**62


@dataclass(frozen=True, eq=False)
class PersonRows:
    """Checked (entry, stop] rows, sorted by person, then time (internal).

    ``new_person[j]`` is True where row ``j`` is a person's first row;
    ``weight`` is None when no weights were given. ``group`` holds optional
    integer group codes in the same row order.
    """

    entry: np.ndarray
    stop: np.ndarray
    event: np.ndarray
    weight: np.ndarray | None
    new_person: np.ndarray
    group: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        return int(self.stop.shape[0])

    @property
    def person_starts(self) -> np.ndarray:
        """Position of each person's first row."""
        return np.flatnonzero(self.new_person)

    def person_weight(self) -> np.ndarray:
        """Frequency weight of each person (1 without weights)."""
        starts = self.person_starts
        return np.ones(starts.shape[0]) if self.weight is None else self.weight[starts]

    def take(self, rows: np.ndarray) -> PersonRows:
        """The given rows, in an order that keeps each person's rows together and in time order.

        A person's rows need not be neighbours in the source: taking one group's rows
        out of a person's history keeps them one person.
        """
        person = np.cumsum(self.new_person)[rows]
        new = np.ones(rows.shape[0], dtype=bool)
        new[1:] = person[1:] != person[:-1]
        return PersonRows(
            self.entry[rows],
            self.stop[rows],
            self.event[rows],
            None if self.weight is None else self.weight[rows],
            new,
            None if self.group is None else self.group[rows],
        )


def check_length(values, name: str, n: int) -> None:
    """Check that ``values`` has one value per row (``n``, the length of ``stop``)."""
    try:
        size = len(values)
    except TypeError:
        size = 1
    if size != n:
        raise ArgumentError(f"{name} has {size} values but stop has {n}; pass one value per row")


def _first(values: np.ndarray, k: int = 5) -> str:
    more = ", …" if values.shape[0] > k else ""
    return ", ".join(shown(v) for v in values[:k].tolist()) + more


def _id_keys(ids) -> tuple[np.ndarray, np.ndarray]:
    """Integer sort keys of the ids, and the id values to name in messages."""
    if isinstance(ids, pd.Series | pd.Index):
        values = ids.to_numpy()
    else:
        values = np.asarray(ids)
    if values.ndim != 1:
        raise ArgumentError(f"id must be one-dimensional; got an array of shape {values.shape}")
    if values.dtype.kind in "iub":
        return values.astype(np.int64, copy=False), values
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    if (codes < 0).any():
        bad = np.flatnonzero(codes < 0)
        raise ArgumentError(
            f"id is missing in {bad.size} rows (rows {_first(bad)}); give every row the id "
            "of its person"
        )
    return codes.astype(np.int64, copy=False), values


def _in_person_order(key: np.ndarray, stop: np.ndarray) -> bool:
    """Whether the rows are sorted by person, then stop (a short prefix first: cheap no)."""
    for size in (1024, key.shape[0]):
        step = np.diff(key[:size])
        if not ((step >= 0).all() and ((step > 0) | (np.diff(stop[:size]) > 0)).all()):
            return False
    return True


def _person_order(
    key: np.ndarray, stop: np.ndarray
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Row order by (person, stop), and the keys and stops in that order.

    The order is None when the rows are in it already. For integer times the
    (person, stop) cell and the row number are packed into one int64 and the
    values sorted (``np.sort`` is several times faster than ``np.argsort``); the
    order, persons and stops are then read back from the sorted values.
    """
    n = key.shape[0]
    if n < 2 or _in_person_order(key, stop):
        return None, key, stop
    if stop.dtype.kind == "i":
        k_lo, t_lo = int(key.min()), int(stop.min())
        t_span = int(stop.max()) - t_lo + 1
        cells = (int(key.max()) - k_lo + 1) * t_span
        index_bits = (n - 1).bit_length()
        if cells.bit_length() + index_bits <= 63:
            packed = key - k_lo
            packed *= t_span
            packed += stop
            packed -= t_lo
            packed <<= index_bits
            packed |= np.arange(n, dtype=np.int64)
            packed.sort()
            order = packed & ((1 << index_bits) - 1)
            packed >>= index_bits
            person = packed // t_span
            packed -= person * t_span
            packed += t_lo
            return order, person, packed.astype(stop.dtype, copy=False)
        if cells < _MAX_KEY:
            combined = key - k_lo
            combined *= t_span
            combined += stop
            order = np.argsort(combined)  # equal cells are overlapping rows: refused anyway
            return order, key[order], stop[order]
    order = np.lexsort((stop, key))
    return order, key[order], stop[order]


def _check_intervals(entry: np.ndarray, stop: np.ndarray) -> None:
    bad = entry >= stop
    if bad.any():
        rows = np.flatnonzero(bad)
        j = rows[0]
        raise ArgumentError(
            f"entry is not before stop in {rows.size} rows (rows {_first(rows)}; row {j}: "
            f"entry {shown(entry[j])}, stop {shown(stop[j])}); each row is an interval "
            "(entry, stop] with entry < stop: correct the times or drop the empty rows"
        )


def _check_persons(rows: PersonRows, ids: np.ndarray, order: np.ndarray | None) -> None:
    """No overlapping rows within an id; one weight per id (rows in person order).

    ``ids`` are in the input order; ``order`` puts them in the rows' order.
    """
    same = ~rows.new_person[1:]
    overlap = same & (rows.entry[1:] < rows.stop[:-1])
    if overlap.any() and order is not None:
        ids = ids[order]
    if overlap.any():
        at = np.flatnonzero(overlap)
        bad_ids = pd.unique(ids[at + 1])
        j = at[0]
        raise ArgumentError(
            f"rows of the same id overlap for {bad_ids.size} ids (id {_first(bad_ids)}): "
            f"id {shown(ids[j + 1])} has ({shown(rows.entry[j])}, {shown(rows.stop[j])}] and "
            f"({shown(rows.entry[j + 1])}, {shown(rows.stop[j + 1])}]; a person is at risk "
            "once at a time, so each id's (entry, stop] rows must not overlap: merge or "
            "split them"
        )
    if rows.weight is not None:
        differ = same & (rows.weight[1:] != rows.weight[:-1])
        if differ.any():
            ids = ids if order is None else ids[order]
            bad_ids = pd.unique(ids[np.flatnonzero(differ) + 1])
            raise ArgumentError(
                f"weights differ between rows of the same id for {bad_ids.size} ids "
                f"(id {_first(bad_ids)}); a frequency weight counts persons, so give every "
                "row of an id the same weight"
            )


def check_person_rows(stop, event, id, entry=None, weights=None, groups=None) -> PersonRows:
    """Check recurrent-event rows and return them sorted by person, then time.

    ``groups``, if given, are integer codes (already checked) carried along.

    Examples
    --------
    >>> rows = check_person_rows([9, 5, 3], [0, 1, 1], ["a", "b", "a"], entry=[3, 0, 0])
    >>> rows.stop.tolist(), rows.new_person.tolist()
    ([3, 9, 5], [True, False, True])
    """
    t_stop = check_time(stop, "stop")
    n = t_stop.shape[0]
    for value, name in ((event, "event"), (id, "id"), (entry, "entry"), (weights, "weights")):
        if value is not None:
            check_length(value, name, n)
    e = check_event(event, n, "event")
    t_entry = np.zeros(n, dtype=t_stop.dtype) if entry is None else check_time(entry, "entry")
    if t_entry.dtype.kind != t_stop.dtype.kind:
        t_entry, t_stop = t_entry.astype(np.float64), t_stop.astype(np.float64)
    _check_intervals(t_entry, t_stop)
    w = check_weights(weights, n)
    key, ids = _id_keys(id)
    order, key, t_stop = _person_order(key, t_stop)
    if order is not None:
        t_entry, e = t_entry[order], e[order]
        w = None if w is None else w[order]
        groups = None if groups is None else groups[order]
    new = np.ones(n, dtype=bool)
    np.not_equal(key[1:], key[:-1], out=new[1:])
    rows = PersonRows(t_entry, t_stop, e, w, new, groups)
    _check_persons(rows, ids, order)
    if w is not None and not (w > 0).all():
        if not (w > 0).any():
            raise ArgumentError("weights are all 0; give at least one person a positive weight")
        rows = rows.take(np.flatnonzero(w > 0))
    return rows

"""The sums behind the mean cumulative function and its Lawless-Nadeau variance.

Notation, on the grid ``T_0 < ... < T_{m-1}`` of distinct stop times: a row
(entry ``a``, stop ``b``] of person ``i`` is at risk at ``T_k`` when
``a < T_k <= b``, i.e. for ``k`` in ``[k_a, k_b]`` with ``k_a`` the number of
grid times ``<= a`` and ``T_{k_b} = b``. With frequency weights ``w_i``,

- ``Y_k = sum_i w_i Y_i(T_k)`` at risk, ``dN_k = sum_i w_i dN_i(T_k)`` events,
  ``dL_k = dN_k / Y_k`` and the MCF ``L(t) = sum_{T_k <= t} dL_k`` (Nelson-Aalen);
- ``D_i(t) = sum_{T_k <= t} (dN_i(T_k) - Y_i(T_k) dL_k) / Y_k``, the person's
  influence, and the Lawless-Nadeau (1995) variance ``V(t) = sum_i w_i D_i(t)^2``
  (a person of weight ``w`` is ``w`` persons).

No loop runs over persons or times. ``V`` is built by its increments: only
persons at risk at ``T_k`` change their ``D_i``, by ``(dN_i - dL_k) / Y_k``, so

    V_k - V_{k-1} = 2 (E_k - dL_k S_k) / Y_k + dN_k (1 - dL_k) / Y_k^2,

with ``S_k = sum_{i at risk at T_k} w_i D_i(T_{k-1})`` and ``E_k`` the same sum
over persons with an event at ``T_k`` (a person has at most one event at a
time, since its rows do not overlap). With ``G_k = sum_{j < k} dL_j / Y_j``, a
person in row ``r`` at ``T_k`` has ``D_i(T_{k-1}) = base_r - G_k``, where
``base_r = D_i(a_r) + G_{k_a}`` is a constant of the row: ``D_i(a_r)`` is the sum
of the person's earlier rows' total increments, one exclusive cumulative sum
over the rows sorted by person. Hence ``S_k = A_k - G_k Y_k`` with ``A_k`` the
sum of ``w base_r`` over rows covering ``T_k``: a difference array (``bincount``
at ``k_a`` and at ``k_b``, then ``cumsum``), like ``Y_k`` itself. Every step is a
``bincount``, a gather from an array of grid length or a ``cumsum``: O(n) after
the one sort by person (O(n log n), skipped for sorted input), and O(m) memory
beyond the rows.

How this distributes (the Dask wing): :func:`grid_sums` is a sum over rows, so
per-partition results add up for any partitioning (on a grid that every
partition shares: the union of distinct stop times, or the day range for
integer days). :func:`person_sums` needs each person's rows in one partition
(partitions co-located by person, as the Dask cohort writes them) and the
global ``Y`` and ``dN`` from the first pass; its sums then add up across
partitions too. :func:`mcf_columns` turns the two reduced sums into the curve
on the driver. Two passes over the data, both reductions to grid-length arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recidive.estimation._person_rows import PersonRows

#: Largest span of integer times counted on a dense grid with ``bincount``.
_DENSE_SPAN_PER_ROW = 8
_DENSE_SPAN_MIN = 1_000_000


@dataclass(frozen=True, eq=False)
class TimeGrid:
    """Distinct stop times and, per row, the first grid index at risk and the stop code.

    ``stop_code = 2 k_b + event`` holds the grid index of the row's stop and its
    event flag in one integer, so that one ``bincount`` counts both the rows
    leaving and the events at each time.
    """

    time: np.ndarray
    first: np.ndarray  # k_a: first grid index at which the row is at risk
    stop_code: np.ndarray  # 2 k_b + event

    @property
    def size(self) -> int:
        return int(self.time.shape[0])

    @property
    def last(self) -> np.ndarray:
        """k_b: grid index of each row's stop."""
        return self.stop_code >> 1

    def count_at_stop(self, weights: np.ndarray | None) -> np.ndarray:
        """Weights summed by (stop time, event): shape (m, 2), column 1 the events."""
        counts = np.bincount(self.stop_code, weights=weights, minlength=2 * self.size)
        return counts.astype(np.float64, copy=False).reshape(self.size, 2)


def _dense_span(values: np.ndarray) -> tuple[int, int] | None:
    """(lowest value, span) when integer values fit a dense ``bincount`` grid."""
    if values.dtype.kind != "i" or not values.shape[0]:
        return None
    lo, hi = int(values.min()), int(values.max())
    span = hi - lo + 1
    return (lo, span) if span <= _DENSE_SPAN_PER_ROW * values.shape[0] + _DENSE_SPAN_MIN else None


def time_grid(rows: PersonRows, time: np.ndarray | None = None) -> TimeGrid:
    """The grid of distinct stop times, by ``bincount`` for integer times (no sort).

    ``time``, if given, is a shared grid holding every stop time of ``rows`` (the
    union over the partitions of a larger dataset), on which partial sums add up.
    """
    if time is not None:
        last = np.searchsorted(time, rows.stop)
        first = np.searchsorted(time, rows.entry, side="right")
        return TimeGrid(time, first, 2 * last + rows.event)
    dense = _dense_span(rows.stop)
    if dense is None:
        time, last = np.unique(rows.stop, return_inverse=True)
        first = np.searchsorted(time, rows.entry, side="right")
        return TimeGrid(time, first, 2 * last.reshape(-1) + rows.event)
    lo, span = dense
    if lo <= span:  # index the grid by the times themselves: no subtraction pass
        lo, span = 0, span + lo
    shifted = rows.stop - lo if lo else rows.stop
    present = np.bincount(shifted, minlength=span) > 0
    count = np.cumsum(present)  # count[j]: grid times <= lo + j
    stop_code = (2 * count - 2)[shifted]
    stop_code += rows.event
    if lo:  # entries below lo precede every grid time
        first = np.concatenate([[0], count])[np.maximum(rows.entry - (lo - 1), 0)]
    else:
        first = count[rows.entry]
    return TimeGrid(np.flatnonzero(present) + lo, first, stop_code)


def entry_sums(rows: PersonRows) -> tuple[np.ndarray, np.ndarray]:
    """Distinct entry times and the weight entering at each (additive over rows)."""
    dense = _dense_span(rows.entry)
    if dense is None:
        time, inverse = np.unique(rows.entry, return_inverse=True)
        weight = np.bincount(inverse.reshape(-1), weights=rows.weight, minlength=time.shape[0])
        return time, weight.astype(np.float64, copy=False)
    lo, span = dense
    weight = np.bincount(rows.entry - lo if lo else rows.entry, weights=rows.weight, minlength=span)
    present = np.flatnonzero(weight)
    return present + lo, weight[present].astype(np.float64, copy=False)


def grid_sums(rows: PersonRows, grid: TimeGrid) -> dict[str, np.ndarray]:
    """Entering, leaving and event weights per grid time: sums over rows (additive).

    ``enter[k]`` weighs the rows first at risk at ``T_k``, ``leave[k]`` those
    whose stop is ``T_k``, ``events[k]`` the events at ``T_k``.
    """
    at_stop = grid.count_at_stop(rows.weight)
    enter = np.bincount(grid.first, weights=rows.weight, minlength=grid.size)
    return {
        "enter": enter.astype(np.float64, copy=False),
        "leave": at_stop.sum(axis=1),
        "events": at_stop[:, 1].copy(),
    }


def at_risk(enter: np.ndarray, leave: np.ndarray) -> np.ndarray:
    """``Y_k``: rows with ``k_a <= k <= k_b`` from a difference array."""
    y = np.cumsum(enter)
    y[1:] -= np.cumsum(leave[:-1])
    return y


def _exclusive_person_cumsum(values: np.ndarray, new_person: np.ndarray) -> np.ndarray:
    """Sum of ``values`` over the earlier rows of the same person (rows in person order)."""
    before = np.empty_like(values)
    before[0] = 0.0
    np.cumsum(values[:-1], out=before[1:])
    starts = np.flatnonzero(new_person)
    lengths = np.diff(starts, append=values.shape[0])
    before -= np.repeat(before[starts], lengths)
    return before


def person_sums(
    rows: PersonRows, grid: TimeGrid, y: np.ndarray, events: np.ndarray
) -> dict[str, np.ndarray]:
    """The per-person part of the variance, additive over groups of whole persons.

    Needs the global at-risk ``y`` and ``events`` (from :func:`grid_sums`).
    Returns ``base_enter`` and ``base_stop``: ``w base_r`` summed at ``k_a`` and
    by (``k_b``, event). ``A_k`` is the difference array of ``base_enter`` and
    the row sums of ``base_stop``; its event column is ``E_k + G_k dN_k``.
    """
    m = grid.size
    g_before = np.zeros(m + 1)  # G_k = sum_{j < k} dN_j / Y_j^2
    np.cumsum(events / y / y, out=g_before[1:])
    base = g_before[grid.first]
    if not rows.new_person.all():  # persons with several rows carry their earlier rows
        # a row's total increment of D_i: event / Y at its stop, minus G over its risk times
        at_stop = np.column_stack([-g_before[1:], 1.0 / y - g_before[1:]]).reshape(-1)
        total = at_stop[grid.stop_code]
        total += base
        base = base + _exclusive_person_cumsum(total, rows.new_person)
    if rows.weight is not None:
        base *= rows.weight
    return {
        "base_enter": np.bincount(grid.first, weights=base, minlength=m),
        "base_stop": grid.count_at_stop(base),
    }


def mcf_columns(grid_totals: dict, person_totals: dict) -> dict[str, np.ndarray]:
    """The MCF, its Lawless-Nadeau variance and at-risk counts from the reduced sums."""
    events = grid_totals["events"]
    y = at_risk(grid_totals["enter"], grid_totals["leave"])
    d_lambda = events / y
    mcf = np.cumsum(d_lambda)
    poisson = np.cumsum(d_lambda / y)  # sum dN / Y^2: G_{k+1}, the Poisson variance
    g_before = np.concatenate([[0.0], poisson[:-1]])
    base_stop = person_totals["base_stop"]
    s = at_risk(person_totals["base_enter"], base_stop.sum(axis=1)) - g_before * y
    e = base_stop[:, 1] - g_before * events
    step = 2.0 * (e - d_lambda * s) / y + events * (1.0 - d_lambda) / (y * y)
    variance = np.cumsum(step)
    # A running sum of increments carries rounding of about eps * k * (1 + MCF) * Poisson
    # variance (S_k is a difference of sums of that size). Where the true variance is 0
    # (every person's influence 0) that noise would show as a standard error of ~1e-9;
    # below this floor the variance is indistinguishable from 0 and is set to 0.
    floor = 16 * np.finfo(float).eps * np.arange(1, y.shape[0] + 1) * (1.0 + mcf) * poisson
    variance[variance <= floor] = 0.0
    return {"n_at_risk": y, "n_events": events, "mcf": mcf, "std_err": np.sqrt(variance)}

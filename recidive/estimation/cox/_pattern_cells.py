"""Cox risk-set sums per (event time, covariate pattern) cell: Newton steps without the rows.

Why: collapsed rows carry a covariate pattern, and every row of a pattern has the same
``x``, so its risk ``w exp(x beta)`` is its weight times the pattern's ``exp(x beta)``. The
weight at risk at each event time in each pattern does not depend on ``beta``: it is summed
once (one ``bincount`` of the rows at their time, less one of the rows entering late at
their entry slot, then a reverse cumulative sum over the times of each stratum). Every
evaluation of the partial likelihood is then one matrix product of the (event times x
patterns) table with the patterns' ``exp(x beta)`` and ``x exp(x beta)``, and the
information's ``sum r (A - delta b) x x'`` is ``(a' at_risk - b' events)`` per pattern:
the Newton iterations make no pass over the rows and allocate nothing of their size. The
table pays when there are few patterns and event times (registry covariates: sex, age
bands, counts); :func:`cells_pay` decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Cells are used when there are at most this many (time group, pattern) cells per row plus
#: a slack.
_CELLS_PER_ROW, _CELLS_SLACK = 2, 1 << 20


@dataclass
class PatternCells:
    """Weights per (event time, pattern) that do not depend on ``beta``.

    ``table`` stacks the weight at risk at each of the ``m`` event times (rows ``:m``) on
    the weight of the events at that time (rows ``m:``), so that one product gives the
    risk-set and the event sums together.
    """

    table: np.ndarray  # (2 m, patterns)
    event_patterns: np.ndarray  # (patterns,): event weight of each pattern

    @property
    def n_event_times(self) -> int:
        return self.table.shape[0] // 2


def cells_pay(n_groups: int, n_patterns: int, n_rows: int) -> bool:
    """Whether the (time group x pattern) weights are small enough to be worth a table."""
    return n_groups * n_patterns <= _CELLS_PER_ROW * n_rows + _CELLS_SLACK


def cell_weights(
    group: np.ndarray, pattern: np.ndarray, weight: np.ndarray, n_groups: int, n_patterns: int
) -> np.ndarray:
    """Sum of ``weight`` per (group, pattern): shape (groups, patterns)."""
    code = np.multiply(group, n_patterns, dtype=np.int64)
    code += pattern
    sums = np.bincount(code, weights=weight, minlength=n_groups * n_patterns)
    return sums.reshape(n_groups, n_patterns)


def pattern_cells(pattern, weight, group, n_groups, n_patterns, bounds, ev_rows, ev_starts,
                  ev_groups, late=None, slot=None) -> PatternCells:  # fmt: skip
    """The :class:`PatternCells` of rows sorted by (stratum, time) in their time ``group``.

    ``bounds`` are the first group of each stratum (and the number of groups), ``ev_rows``
    the event rows, ``ev_starts`` where each event time starts among them and ``ev_groups``
    its group; ``late`` the rows that enter late and ``slot`` every row's entry slot.
    """
    net = cell_weights(group, pattern, weight, n_groups, n_patterns)
    if late is not None and late.size:  # taken out of the risk sets up to their entry
        net -= cell_weights(slot[late], pattern[late], weight[late], n_groups, n_patterns)
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):  # at risk: this time and later
        backwards = net[lo:hi][::-1]
        np.cumsum(backwards, axis=0, out=backwards)
    m = len(ev_starts)
    table = np.empty((2 * m, n_patterns))
    np.take(net, ev_groups, axis=0, out=table[:m])
    ev_index = np.repeat(np.arange(m), np.diff(np.append(ev_starts, len(ev_rows))))
    table[m:] = cell_weights(ev_index, pattern[ev_rows], weight[ev_rows], m, n_patterns)
    return PatternCells(table, table[m:].sum(axis=0))


def cell_sums(cells: PatternCells, pattern_x: np.ndarray, beta: np.ndarray):
    """The patterns' ``eta``, the shift, their ``exp(eta - shift)`` and ``s0, s1, e0, e1``.

    The sums are per event time, scaled by ``exp(-shift)`` as in the row-wise evaluation.
    """
    eta = pattern_x @ beta
    shift = float(eta.max()) if len(eta) else 0.0
    scale = np.exp(eta - shift)
    z = np.empty((len(eta), 1 + pattern_x.shape[1]))
    z[:, 0] = scale
    np.multiply(pattern_x, scale[:, None], out=z[:, 1:])
    sums = cells.table @ z
    m = cells.n_event_times
    s0, e0 = sums[:m, 0].copy(), sums[m:, 0].copy()
    s1, e1 = np.ascontiguousarray(sums[:m, 1:]), np.ascontiguousarray(sums[m:, 1:])
    return eta, shift, scale, (s0, s1, e0, e1)


def cell_quadratic(
    cells: PatternCells, pattern_x: np.ndarray, scale: np.ndarray, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """``sum r (A - delta b) x x'``: ``A`` summed over the event times a row is at risk."""
    per_pattern = (np.concatenate([a, -b]) @ cells.table) * scale
    return pattern_x.T @ (pattern_x * per_pattern[:, None])

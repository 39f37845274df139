"""The distributed Newton route of a Cox fit on Dask: one pass over the partitions per step.

When the rows do not collapse (continuous covariates), every evaluation of the partial
likelihood is one pass over the partitions. The distinct event times of each stratum form a
grid of ``M`` cells; a row at time ``t`` falls in the cell of the last event time ``<= t``
of its stratum. Each partition returns, per cell, the sums of ``w exp(eta)``, times ``x``
and times ``x x'`` (upper triangle) over its rows, and the same over its event rows; the
sums are added across partitions (rescaled to a common ``exp(-shift)``). On the driver,
reverse cumulative sums over the cells give the risk-set sums at each event time, and
:func:`~recidive.estimation.cox._partial_likelihood.likelihood_from_sums` and
``information_from_sums`` (the functions the in-memory code uses) give the log-likelihood,
score and information for the same Newton-Raphson iterations. The robust variance is one
more pass (per-row score residuals need only per-time terms). Concordance, ``cox_zph`` and
predictions need the rows and are not available on this route.

No partition's rows leave its worker: tasks return ``M x p^2`` sums, so the memory needed is
that of a partition (a slice of rows at a time), not of the data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive.dask._plumbing import (
    each_partition,
    import_dask,
    release_arrow_memory,
    row_slices,
    tree_reduce,
)
from recidive.dask.cox.spec import Spec, model_rows
from recidive.estimation.cox._partial_likelihood import (
    Evaluation,
    NewtonFit,
    forward_cumsum,
    information_from_sums,
    likelihood_from_sums,
    newton_iterations,
    residual_terms,
    reverse_cumsum,
    tie_terms,
)

#: Rows of score residuals multiplied at a time for the robust variance.
CROSSPROD_BLOCK = 1 << 16


@dataclass(frozen=True)
class Grid:
    """Distinct event times per stratum (the cells) and the tie terms of each cell."""

    stratum_of_code: np.ndarray  # global stratum code -> fitted stratum (-1: no rows)
    offsets: np.ndarray  # first cell of each fitted stratum, plus M
    times: np.ndarray  # event time of each cell, sorted within stratum
    deaths: np.ndarray
    means: np.ndarray
    term_counts: np.ndarray
    term_f: np.ndarray | None
    term_w: np.ndarray | None
    wx_events: np.ndarray  # sum over events of w (x - means)

    def lean(self) -> Grid:
        """What the tasks need: the cells and means, not Efron's terms (one per unit of death)."""
        return dataclasses.replace(self, deaths=None, term_counts=None, term_f=None, term_w=None)


def build_grid(summary, mapping: np.ndarray, ties: str) -> Grid:
    """The grid of event times from the first pass's summary and the stratum mapping."""
    events = summary["events"]
    codes = mapping[events.index.get_level_values("s").to_numpy()]
    times = events.index.get_level_values("t").to_numpy(dtype=float)
    order = np.lexsort((times, codes))
    codes, times, deaths = codes[order], times[order], events.to_numpy()[order]
    n_strata = int(mapping.max()) + 1
    offsets = np.searchsorted(codes, np.arange(n_strata + 1))
    means = summary["xw"] / summary["w_total"]
    term_counts, term_f, term_w = tie_terms(deaths, ties)
    wx_events = summary["xev"] - summary["n_events"] * means
    return Grid(mapping, offsets, times, deaths, means, term_counts, term_f, term_w, wx_events)


def iterate(ddf, spec: Spec, grid: Grid, max_iter: int, tol: float) -> NewtonFit:
    """Newton-Raphson as in memory, each evaluation one pass over the partitions."""
    dask, _ = import_dask()
    lean = grid.lean()

    def evaluate_at(beta: np.ndarray) -> Evaluation:
        tasks = each_partition(ddf, partition_sums, spec, lean, beta)
        (sums,) = dask.compute(tree_reduce(tasks, _add_sums))
        return _evaluation(grid, sums, beta)

    return newton_iterations(evaluate_at, len(spec.design.names), max_iter, tol)


def robust_variance(ddf, spec: Spec, grid: Grid, nf: NewtonFit) -> np.ndarray:
    """The robust (sandwich) variance: one more pass for ``sum w u u'`` of the score residuals."""
    dask, _ = import_dask()
    ev = nf.final
    xbb, hx, hx_own = residual_terms(ev, grid.deaths)
    cum_a = forward_cumsum(ev.a, grid.offsets)
    cum_hx = forward_cumsum(hx, grid.offsets)
    args = (spec, grid.lean(), nf.beta, ev.shift, cum_a, cum_hx, ev.b, hx_own, xbb)
    tasks = each_partition(ddf, _partition_residual_crossprod, *args)
    (crossprod,) = dask.compute(tree_reduce(tasks, _add_arrays))
    return nf.variance @ crossprod @ nf.variance


def partition_sums(part: pd.DataFrame, spec: Spec, grid: Grid, beta: np.ndarray):
    """Per cell: sums of r, r x, r x x' over all rows and over event rows (r = w exp(eta - shift)).

    A slice of rows at a time; the slices' sums are added by :func:`_add_sums`.
    """
    release_arrow_memory()  # what reading the partition left
    return _add_sums(
        *(_slice_sums(rows, spec, grid, beta) for rows in row_slices(part, spec.slice_rows))
    )


def _evaluation(grid: Grid, sums: dict, beta: np.ndarray) -> Evaluation:
    """Log-likelihood, score and information at ``beta`` from the summed cell sums."""
    p = len(beta)
    s0 = reverse_cumsum(sums["b0"], grid.offsets)
    s1 = reverse_cumsum(sums["b1"], grid.offsets)
    s2 = reverse_cumsum(sums["b2"], grid.offsets)
    e0, e1 = sums["e0"], sums["e1"]
    shift = sums["shift"]
    loglik, score, (a, b, c1, c2, c3) = likelihood_from_sums(
        grid, s0, s1, e0, e1, float(grid.wx_events @ beta), shift
    )
    quad = np.zeros((p, p))
    quad[np.triu_indices(p)] = a @ s2 - b @ sums["e2"]
    quad = quad + np.triu(quad, 1).T
    info = information_from_sums(quad, s1, e1, c1, c2, c3)
    return Evaluation(loglik, score, info, None, shift, None, s0, s1, e0, e1, a, b, c1, c2, c3)


def _cells(grid: Grid, stratum: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Cell of each row: the last event time <= its time in its stratum (-1: none)."""
    cell = np.full(len(time), -1, dtype=np.int64)
    for s in np.unique(stratum):
        if s < 0:
            continue
        lo, hi = grid.offsets[s], grid.offsets[s + 1]
        rows = np.flatnonzero(stratum == s)
        k = np.searchsorted(grid.times[lo:hi], time[rows], side="right") - 1
        cell[rows] = np.where(k >= 0, lo + k, -1)
    return cell


def _centred_rows(part: pd.DataFrame, spec: Spec, grid: Grid):
    time, status, w, code, x = model_rows(part, spec)
    x -= grid.means
    cell = _cells(grid, grid.stratum_of_code[code], time)
    return status, w, x, cell


def _slice_sums(rows: pd.DataFrame, spec: Spec, grid: Grid, beta: np.ndarray):
    status, w, x, cell = _centred_rows(rows, spec, grid)
    m, p = len(grid.times), x.shape[1]
    upper = np.triu_indices(p)
    eta = x @ beta
    pos = w > 0
    shift = float(eta[pos].max()) if pos.any() else -np.inf
    r = w * np.exp(eta - shift) if pos.any() else w
    out = {"shift": shift}
    for name, rows in (
        ("b", np.flatnonzero(pos & (cell >= 0))),
        ("e", np.flatnonzero(status & pos)),
    ):
        c, rr, xr = cell[rows], r[rows], x[rows]
        out[name + "0"] = np.bincount(c, rr, minlength=m)
        out[name + "1"] = np.column_stack(
            [np.bincount(c, rr * xr[:, j], minlength=m) for j in range(p)]
        )
        out[name + "2"] = np.column_stack(
            [
                np.bincount(c, rr * xr[:, j] * xr[:, k], minlength=m)
                for j, k in zip(*upper, strict=True)
            ]
        )
    return out


def _add_sums(*parts):
    parts = [s for s in parts if np.isfinite(s["shift"])] or [parts[0]]
    shift = max(s["shift"] for s in parts)
    out = {"shift": shift}
    for key in ("b0", "b1", "b2", "e0", "e1", "e2"):
        out[key] = sum(s[key] * np.exp(s["shift"] - shift) for s in parts)
    return out


def _partition_residual_crossprod(part, spec, grid, *terms):
    """``sum w u u'`` over the rows of a partition, ``u`` the score residual per unit of weight."""
    release_arrow_memory()  # what reading the partition left
    return sum(_slice_residual_crossprod(rows, spec, grid, *terms)
               for rows in row_slices(part, spec.slice_rows))  # fmt: skip


def _slice_residual_crossprod(rows, spec, grid, beta, shift, cum_a, cum_hx, b, hx_own, xbb):
    status, w, x, cell = _centred_rows(rows, spec, grid)
    p = x.shape[1]
    keep = np.flatnonzero((w > 0) & (cell >= 0))
    x, c, dead, w = x[keep], cell[keep], status[keep], w[keep]
    r = np.exp(x @ beta - shift)
    a_row = cum_a[c] - np.where(dead, b[c], 0.0)
    hx_row = cum_hx[c] - np.where(dead[:, None], hx_own[c], 0.0)
    resid = -(r[:, None] * (x * a_row[:, None] - hx_row))
    resid[dead] += x[dead] - xbb[c[dead]]
    out = np.zeros((p, p))
    for lo in range(0, len(resid), CROSSPROD_BLOCK):
        block = resid[lo : lo + CROSSPROD_BLOCK]
        out += block.T @ (block * w[lo : lo + CROSSPROD_BLOCK, None])
    return out


def _add_arrays(*arrays):
    return sum(arrays)

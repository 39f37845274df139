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

Counting-process rows (at risk on ``(entry, time]``) also add their sums, with a minus
sign, at the cell of their entry (the last event time at or before it): the reverse
cumulative sums then count each row only at the event times after its entry, and a row's
score residual sums the hazard terms from its entry cell to its time's. A cluster-robust
variance sums each cluster's score residuals before squaring them, so a cluster's rows must
all be in one partition (as the Dask cohort writes persons); each task returns the
outer products of its clusters' sums and its cluster ids, and the driver checks that no
id is in two partitions.

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
from recidive.errors import ArgumentError
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
    columns: np.ndarray | None = None  # the model columns fitted (None: all; aliased left out)

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


def keep_columns(grid: Grid, kept: np.ndarray) -> Grid:
    """The grid of a model with only the ``kept`` columns (the aliased ones left out)."""
    columns = np.flatnonzero(kept) if grid.columns is None else grid.columns[kept]
    return dataclasses.replace(
        grid, means=grid.means[kept], wx_events=grid.wx_events[kept], columns=columns
    )


def evaluator(ddf, spec: Spec, grid: Grid):
    """``beta -> Evaluation``: the partial likelihood at ``beta``, one pass over the partitions."""
    dask, _ = import_dask()
    lean = grid.lean()

    def evaluate_at(beta: np.ndarray) -> Evaluation:
        tasks = each_partition(ddf, partition_sums, spec, lean, beta)
        (sums,) = dask.compute(tree_reduce(tasks, _add_sums))
        return _evaluation(grid, sums, beta)

    return evaluate_at


def iterate(ddf, spec: Spec, grid: Grid, max_iter: int, tol: float, first=None) -> NewtonFit:
    """Newton-Raphson as in memory, each evaluation one pass over the partitions.

    ``first`` is the evaluation at zero, if it was made already.
    """
    p = grid.means.shape[0]
    return newton_iterations(evaluator(ddf, spec, grid), p, max_iter, tol, first=first)


def robust_variance(ddf, spec: Spec, grid: Grid, nf: NewtonFit) -> np.ndarray:
    """The robust (sandwich) variance: one more pass for the outer products of the dfbeta
    residuals (per row, or per cluster with ``spec.cluster``)."""
    return nf.variance @ _residual_outer_sum(ddf, spec, grid, nf.final, nf.beta) @ nf.variance


def robust_score_statistic(ddf, spec: Spec, grid: Grid, at_zero: Evaluation) -> float:
    """R's robust score test at zero: one more pass, with the score residuals at zero."""
    middle = _residual_outer_sum(ddf, spec, grid, at_zero, np.zeros(grid.means.shape[0]))
    u = at_zero.score
    return float(u @ np.linalg.lstsq(middle, u, rcond=None)[0])


def _residual_outer_sum(ddf, spec: Spec, grid: Grid, ev: Evaluation, beta) -> np.ndarray:
    """``sum w u u'`` of the score residuals ``u`` at ``beta``, or per cluster
    ``sum_c (sum w u)(sum w u)'`` (clusters must not span partitions)."""
    dask, _ = import_dask()
    xbb, hx, hx_own = residual_terms(ev, grid.deaths)
    cum_a = forward_cumsum(ev.a, grid.offsets)
    cum_hx = forward_cumsum(hx, grid.offsets)
    args = (spec, grid.lean(), beta, ev.shift, cum_a, cum_hx, ev.b, hx_own, xbb)
    tasks = each_partition(ddf, _partition_residual_crossprod, *args)
    (total,) = dask.compute(tree_reduce(tasks, _add_crossprods))
    return total["crossprod"]


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
    s0 = reverse_cumsum(sums["b0"] - sums["n0"], grid.offsets)
    s1 = reverse_cumsum(sums["b1"] - sums["n1"], grid.offsets)
    s2 = reverse_cumsum(sums["b2"] - sums["n2"], grid.offsets)
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
    """Event flags, weights, centred model columns, the cell of each row's time and of its
    entry (-1: at risk from the start; all -1 without entries)."""
    time, status, w, code, x, entry = model_rows(part, spec)
    if grid.columns is not None:
        x = x[:, grid.columns]
    x -= grid.means
    stratum = grid.stratum_of_code[code]
    cell = _cells(grid, stratum, time)
    entry_cell = np.full(len(time), -1) if entry is None else _cells(grid, stratum, entry)
    return status, w, x, cell, entry_cell


def _slice_sums(rows: pd.DataFrame, spec: Spec, grid: Grid, beta: np.ndarray):
    status, w, x, cell, entry_cell = _centred_rows(rows, spec, grid)
    m, p = len(grid.times), x.shape[1]
    upper = np.triu_indices(p)
    eta = x @ beta
    pos = w > 0
    shift = float(eta[pos].max()) if pos.any() else -np.inf
    r = w * np.exp(eta - shift) if pos.any() else w
    out = {"shift": shift}
    for name, rows, cells in (
        ("b", np.flatnonzero(pos & (cell >= 0)), cell),
        ("e", np.flatnonzero(status & pos), cell),
        ("n", np.flatnonzero(pos & (entry_cell >= 0)), entry_cell),  # out at their entry
    ):
        c, rr, xr = cells[rows], r[rows], x[rows]
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
    for key in ("b0", "b1", "b2", "e0", "e1", "e2", "n0", "n1", "n2"):
        out[key] = sum(s[key] * np.exp(s["shift"] - shift) for s in parts)
    return out


def _partition_residual_crossprod(part, spec, grid, *terms):
    """``sum w u u'`` over the rows of a partition, ``u`` the score residual per unit of weight;
    with a cluster, ``sum_c (sum w u)(sum w u)'`` over its clusters, and their ids."""
    release_arrow_memory()  # what reading the partition left
    if spec.cluster is None:
        crossprod = sum(_slice_residual_crossprod(rows, spec, grid, *terms)
                        for rows in row_slices(part, spec.slice_rows))  # fmt: skip
        return {"crossprod": crossprod, "ids": None}
    ids, codes = np.unique(cluster_ids(part, spec.cluster), return_inverse=True)
    hashed = part[spec.cluster].dtype.kind not in "iu"
    p = grid.means.shape[0]
    sums = np.zeros((len(ids), p))
    lo = 0
    for rows in row_slices(part, spec.slice_rows):
        resid, w, kept = _slice_residuals(rows, spec, grid, *terms)
        resid *= w[:, None]
        slice_codes = codes[lo : lo + len(rows)][kept]
        for j in range(p):
            sums[:, j] += np.bincount(slice_codes, weights=resid[:, j], minlength=len(ids))
        lo += len(rows)
    return {"crossprod": sums.T @ sums, "ids": ids, "hashed": hashed}


def cluster_ids(part: pd.DataFrame, cluster: str) -> np.ndarray:
    """The cluster ids of a partition's rows as 64-bit integers (hashed when not integers)."""
    values = part[cluster]
    if values.isna().any():
        raise ArgumentError(
            f"cluster column {cluster!r} has missing values in {int(values.isna().sum())} "
            "rows; give every row the id of its cluster (person)"
        )
    if values.dtype.kind in "iu":
        return values.to_numpy().astype(np.int64, copy=False)
    return pd.util.hash_array(values.to_numpy()).view(np.int64)


def _slice_residuals(rows, spec, grid, beta, shift, cum_a, cum_hx, b, hx_own, xbb):
    """Score residuals per unit of weight of the rows at risk, their weights and positions."""
    status, w, x, cell, entry_cell = _centred_rows(rows, spec, grid)
    keep = np.flatnonzero((w > 0) & (cell >= 0))
    x, c, dead, w, ce = x[keep], cell[keep], status[keep], w[keep], entry_cell[keep]
    r = np.exp(x @ beta - shift)
    a_row = cum_a[c] - np.where(dead, b[c], 0.0)
    hx_row = cum_hx[c] - np.where(dead[:, None], hx_own[c], 0.0)
    late = ce >= 0  # the hazard terms up to the entry are not the row's
    a_row[late] -= cum_a[ce[late]]
    hx_row[late] -= cum_hx[ce[late]]
    resid = -(r[:, None] * (x * a_row[:, None] - hx_row))
    resid[dead] += x[dead] - xbb[c[dead]]
    return resid, w, keep


def _slice_residual_crossprod(rows, spec, grid, *terms):
    resid, w, _ = _slice_residuals(rows, spec, grid, *terms)
    p = resid.shape[1]
    out = np.zeros((p, p))
    for lo in range(0, len(resid), CROSSPROD_BLOCK):
        block = resid[lo : lo + CROSSPROD_BLOCK]
        out += block.T @ (block * w[lo : lo + CROSSPROD_BLOCK, None])
    return out


def _add_crossprods(*parts):
    """Sum the outer products; with clusters, check that no cluster is in two partitions."""
    total = sum(part["crossprod"] for part in parts)
    if parts[0]["ids"] is None:
        return {"crossprod": total, "ids": None}
    ids = np.concatenate([part["ids"] for part in parts])
    ids.sort()
    split = np.unique(ids[1:][ids[1:] == ids[:-1]])
    if split.size:
        example = "" if parts[0]["hashed"] else f" (e.g. id {int(split[0])})"
        raise ArgumentError(
            f"the rows of {split.size} clusters are in more than one partition{example}; a "
            "cluster-robust variance sums each cluster's rows, so partition the data by the "
            "cluster column first (ddf.shuffle(on=cluster), or write the Parquet dataset "
            "by person, as the Dask cohort does)"
        )
    return {"crossprod": total, "ids": ids, "hashed": parts[0]["hashed"]}

"""Cox models of a Dask DataFrame or a Parquet dataset, exact and partition by partition.

Two routes, both giving the in-memory result (the same formulas; only the order of
floating-point sums differs):

collapse
    Every partition merges its rows that agree on (stratum, time, event, covariates)
    into one row with their summed frequency weight; the partial results are merged
    again in a tree, two at a time. When the merged rows are at most the budget of
    :func:`_collapse_budget` (:data:`MAX_COLLAPSED_ROWS`, and an eighth of the smallest
    worker's memory limit) and at most half the rows (registry data: integer days,
    categorical covariates), they are fitted in memory by
    :func:`~recidive.estimation.cox.fit_cox` with those weights, which is exact, so
    everything in-memory fits offer is available (robust variance, concordance,
    ``cox_zph``, predictions). A partition or merge whose collapsed rows exceed the
    budget gives up (returns ``None``, which every merge above passes on): a partition is
    collapsed a budget of rows at a time, so no groupby ever sees more than twice the
    budget, and the fit takes the Newton route.

distributed Newton
    Otherwise (continuous covariates), every evaluation of the partial likelihood is one
    pass over the partitions. The distinct event times of each stratum form a grid of
    ``M`` cells; a row at time ``t`` falls in the cell of the last event time ``<= t`` of
    its stratum. Each partition returns, per cell, the sums of ``w exp(eta)``, times
    ``x`` and times ``x x'`` (upper triangle) over its rows, and the same over its event
    rows; the sums are added across partitions (rescaled to a common ``exp(-shift)``).
    On the driver, reverse cumulative sums over the cells give the risk-set sums at each
    event time, and :func:`~recidive.estimation.cox._partial_likelihood.likelihood_from_sums`
    and ``information_from_sums`` (the functions the in-memory code uses) give the
    log-likelihood, score and information for the same Newton-Raphson iterations. The
    robust variance is one more pass (per-row score residuals need only per-time
    terms). Concordance, ``cox_zph`` and predictions need the rows and are not available
    on this route (a clear :class:`~recidive.errors.ArgumentError` says so).

No partition's rows leave its worker: tasks return per-partition sums (``M x p^2``
numbers) or collapsed rows, so the memory needed is that of a partition, not of the
data. Within a partition the work goes a slice of rows at a time (:func:`_slice_rows`:
about 16 MiB of model matrix), and the slices' sums are added, so a task holds its
partition plus one slice's arrays, never an ``n x p`` matrix of the whole partition. Dask is imported only here (via :mod:`recidive.estimation._dask`), when a Dask
DataFrame or a Parquet path is passed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from recidive import defaults
from recidive.errors import ArgumentError
from recidive.estimation._dask import (
    SPLIT_EVERY,
    _levels,
    _recode,
    as_dask_frame,
    each_partition,
    import_dask,
    release_arrow_memory,
    row_slices,
    smallest_worker_memory,
)
from recidive.estimation.cox._design import (
    Design,
    _as_list,
    _is_categorical,
    build_design,
    constant_error,
    empty_levels_error,
)
from recidive.estimation.cox._partial_likelihood import (
    Evaluation,
    information_from_sums,
    likelihood_from_sums,
    newton_iterations,
    residual_terms,
    reverse_cumsum,
    tie_terms,
)
from recidive.estimation.cox.results import CoxResults

#: Largest number of collapsed rows fitted in memory (about 100 bytes per row and
#: covariate on the driver); more, or more than half the rows, and the Newton route is used.
MAX_COLLAPSED_ROWS = 5_000_000
# peak bytes per collapsed row and column of a merge (measured about 24: the concatenated
# inputs, pandas' group codes and the result), and the share of a worker's memory limit
# that the collapsed rows may take at this size (a merge of two holds at most twice that)
_BYTES_PER_CELL = 32
_WORKER_SHARE = 1 / 8
# a partition of at least this many rows that keeps over 80% of them when collapsed stops
# the collapse route early (continuous covariates), before whole partitions travel
_LARGE_PARTITION = 10_000
# bytes of model matrix a task builds at a time (a slice of its partition's rows)
_SLICE_BYTES = 16 * 2**20
_WEIGHT = "__recidive_weight__"
_S, _T, _E = "__recidive_stratum__", "__recidive_time__", "__recidive_event__"


@dataclass(frozen=True)
class _Spec:
    """What every partition task needs: column names, global levels and the design."""

    duration: str
    event: str
    weights: str | None
    strata: tuple[str, ...]
    strata_levels: tuple[pd.Index, ...]
    design: Design
    ties: str
    slice_rows: int  # rows of a partition handled at a time


def _slice_rows(n_columns: int) -> int:
    """Rows per slice: :data:`_SLICE_BYTES` of float64 model matrix, at least 1,024."""
    return max(1024, _SLICE_BYTES // (8 * max(n_columns, 1)))


@dataclass(frozen=True)
class _Grid:
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


# ---------------------------------------------------------------- partition tasks


def _rows(part: pd.DataFrame, spec: _Spec):
    """Checked time, event, weight, global stratum code and model matrix of a partition."""
    from recidive.estimation.cox.model import _outcome

    time, status, w = _outcome(part, spec.duration, spec.event, spec.weights, spec.ties)
    w = np.ones(len(part)) if w is None else w
    code = np.zeros(len(part), dtype=np.int64)
    for column, level in zip(spec.strata, spec.strata_levels, strict=True):
        digit = np.asarray(_recode(part[column], level).codes, dtype=np.int64)
        if (digit < 0).any():
            raise ArgumentError(
                f"strata column {column!r} has missing values in {int((digit < 0).sum())} "
                "rows; drop or recode them"
            )
        code = code * len(level) + digit
    return time.astype(float, copy=False), status.astype(bool), w, code, spec.design.matrix(part)


def _covariate_codes(part: pd.DataFrame, design: Design) -> dict[str, np.ndarray]:
    out = {}
    for cov in design.covariates:
        values = part[cov]
        if cov in design.levels:
            out[cov] = np.asarray(pd.Categorical(values, categories=list(design.levels[cov])).codes)
        else:
            out[cov] = values.to_numpy()
    return out


def _leaf(part: pd.DataFrame, spec: _Spec, max_rows: int):
    """Pass 1 over a partition: its summary, and its collapsed rows (None: no collapse).

    A slice of rows at a time: the slices' summaries are merged, and each slice's rows are
    collapsed together with the rows collapsed so far (so no groupby sees more than
    ``max_rows`` plus a slice of at most ``max_rows``, or 1,024, rows). Collapsing stops once the collapsed rows exceed ``max_rows``,
    or, past :data:`_LARGE_PARTITION` rows, once they keep over 80% of the rows; and before
    any groupby when a slice of at least that many rows has a covariate with over 80%
    distinct values (a continuous covariate).
    """
    from recidive.estimation.cox.model import _outcome

    release_arrow_memory()  # what reading the partition left
    _outcome(part, spec.duration, spec.event, spec.weights, spec.ties)  # errors count the partition
    summaries, collapsed, seen = [], None, 0
    collapsing = max_rows >= 1
    size = spec.slice_rows if not collapsing else max(1024, min(spec.slice_rows, max_rows))
    for rows in row_slices(part, size):
        summary, frame = _slice_summary(rows, spec, collapsing)
        summaries.append(summary)
        seen += len(rows)
        if frame is None:
            collapsing = False
        elif collapsing:
            collapsed = _collapse(frame if collapsed is None else pd.concat([collapsed, frame]))
            collapsing = len(collapsed) <= max_rows and not (
                seen >= _LARGE_PARTITION and len(collapsed) > 0.8 * seen
            )
    return _merge_summaries(*summaries), collapsed if collapsing else None


def _slice_summary(rows: pd.DataFrame, spec: _Spec, collapsing: bool):
    """The summary of some rows, and their (stratum, time, event, covariates, weight) frame.

    The frame is None when not ``collapsing`` or when a covariate looks continuous.
    """
    time, status, w, code, x = _rows(rows, spec)
    n, p = x.shape
    pos = w > 0
    dead = status & pos
    events = pd.DataFrame({"s": code[dead], "t": time[dead], "d": w[dead]})
    summary = {
        "n_all": n,
        "n_pos": int(pos.sum()),
        "w_total": float(w.sum()),
        "n_events": float(w @ status),
        "xw": w @ x,
        "xev": np.where(dead, w, 0.0) @ x,
        "xmin": x.min(axis=0) if n else np.full(p, np.inf),
        "xmax": x.max(axis=0) if n else np.full(p, -np.inf),
        "xcount": x.sum(axis=0),
        "codes": np.unique(code),
        "events": events.groupby(["s", "t"], sort=False)["d"].sum(),
    }
    del x
    if not collapsing:
        return summary, None
    codes = _covariate_codes(rows, spec.design)
    if n >= _LARGE_PARTITION and any(
        len(pd.unique(v)) > 0.8 * n for cov, v in codes.items() if cov not in spec.design.levels
    ):
        return summary, None  # a continuous covariate: no groupby
    frame = pd.DataFrame({_S: code, _T: time, _E: status, **codes})
    frame[_WEIGHT] = w
    return summary, frame if pos.all() else frame[pos]


def _collapse(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in frame.columns if c != _WEIGHT]
    return frame.groupby(keys, sort=False, observed=True)[_WEIGHT].sum().reset_index()


def _merge_collapsed(*frames, max_rows: int):
    """The collapsed rows of some partitions; ``None`` (Newton route) above ``max_rows``."""
    if any(f is None for f in frames):
        return None
    merged = _collapse(pd.concat(frames, ignore_index=True))
    return None if len(merged) > max_rows else merged


def _merge_summaries(*parts):
    out = dict(parts[0])
    for s in parts[1:]:
        for key in ("n_all", "n_pos", "w_total", "n_events", "xw", "xev", "xcount"):
            out[key] = out[key] + s[key]
        out["xmin"] = np.minimum(out["xmin"], s["xmin"])
        out["xmax"] = np.maximum(out["xmax"], s["xmax"])
        out["codes"] = np.union1d(out["codes"], s["codes"])
        out["events"] = out["events"].add(s["events"], fill_value=0.0)
    return out


def _cells(grid: _Grid, stratum: np.ndarray, time: np.ndarray) -> np.ndarray:
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


def _centred_rows(part: pd.DataFrame, spec: _Spec, grid: _Grid):
    time, status, w, code, x = _rows(part, spec)
    x -= grid.means
    cell = _cells(grid, grid.stratum_of_code[code], time)
    return status, w, x, cell


def _partition_sums(part: pd.DataFrame, spec: _Spec, grid: _Grid, beta: np.ndarray):
    """Per cell: sums of r, r x, r x x' over all rows and over event rows (r = w exp(eta - shift)).

    A slice of rows at a time; the slices' sums are added by :func:`_add_sums`.
    """
    release_arrow_memory()  # what reading the partition left
    return _add_sums(
        *(_slice_sums(rows, spec, grid, beta) for rows in row_slices(part, spec.slice_rows))
    )


def _slice_sums(rows: pd.DataFrame, spec: _Spec, grid: _Grid, beta: np.ndarray):
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
    for lo in range(0, len(resid), 1 << 16):
        block = resid[lo : lo + (1 << 16)]
        out += block.T @ (block * w[lo : lo + (1 << 16), None])
    return out


# ---------------------------------------------------------------- driver


def _tree(dask, leaves, combine, split_every=SPLIT_EVERY, **kwargs):
    tasks = list(leaves)
    while len(tasks) > 1:
        tasks = [
            dask.delayed(combine)(*tasks[i : i + split_every], **kwargs)
            for i in range(0, len(tasks), split_every)
        ]
    return tasks[0]


def _collapse_budget(n_columns: int) -> int:
    """Most collapsed rows the collapse route may hold: in a merge task and on the driver.

    :data:`MAX_COLLAPSED_ROWS`, and with an active ``distributed`` client, the rows of
    ``n_columns`` columns that fit in an eighth of the smallest worker memory limit (a
    merge of two such sets then peaks at about a quarter of it).
    """
    limit = smallest_worker_memory()
    if limit is None:
        return MAX_COLLAPSED_ROWS  # no cluster: local threads or processes, bounded by the driver
    per_row = _BYTES_PER_CELL * n_columns
    return min(MAX_COLLAPSED_ROWS, int(limit * _WORKER_SHARE / per_row))


def _design_of(ddf, covariates: list[str], reference_levels) -> tuple[Design, set]:
    """The in-memory design, from the global levels of the categorical covariates."""
    meta = ddf._meta
    categorical = [c for c in covariates if c in meta.columns and _is_categorical(meta[c])]
    levels = dict(zip(categorical, _levels(ddf, categorical), strict=True))
    size = max([2, *(len(lv) for lv in levels.values())])
    columns = {}
    for cov in covariates:
        if cov in levels:
            values = np.resize(np.asarray(levels[cov], dtype=object), size)
            columns[cov] = pd.Categorical(values, categories=list(levels[cov]))
        else:
            columns[cov] = np.resize(np.array([0, 1], dtype=meta[cov].dtype), size)
    design, _ = build_design(pd.DataFrame(columns), covariates, reference_levels, matrix=False)
    known = {c for c in categorical if isinstance(meta[c].dtype, pd.CategoricalDtype)}
    return design, known


def _check_summary(summary, design: Design, categorical_dtype: set, event: str) -> None:
    n = summary["n_all"]
    if n == 0:
        raise ArgumentError("frame has no rows")
    for cov in design.covariates:
        cols = list(design.terms[cov])
        if cov in design.levels:
            counts = dict(
                zip(design.names[cols[0] : cols[-1] + 1], summary["xcount"][cols], strict=True)
            )
            dummies = [lv for lv in design.levels[cov] if lv != design.reference_levels[cov]]
            count = {lv: counts[f"{cov}[{lv}]"] for lv in dummies}
            count[design.reference_levels[cov]] = n - sum(count.values())
            empty = [lv for lv in design.levels[cov] if count[lv] == 0]
            if empty and cov in categorical_dtype:
                raise empty_levels_error(cov, empty)
            if len(empty) == len(design.levels[cov]) - 1:
                raise ArgumentError(
                    f"covariate {cov!r} is constant (level "
                    f"{next(lv for lv in count if count[lv])!r} in all {n} rows); "
                    "drop it from the covariates"
                )
        elif summary["xmin"][cols[0]] == summary["xmax"][cols[0]]:
            raise constant_error(cov, summary["xmin"][cols[0]], n)
    if summary["n_events"] == 0:
        raise ArgumentError(
            f"no events: all {summary['n_pos']} rows are censored ({event!r} is 0 everywhere); "
            "a Cox model needs at least one event"
        )


def _strata_map(spec: _Spec, codes: np.ndarray):
    """Global stratum codes -> in-memory stratum codes (sorted as ``fit_cox`` sorts them)."""
    from recidive.estimation.cox.model import _strata_codes

    size = int(np.prod([len(lv) for lv in spec.strata_levels], dtype=np.int64))
    mapping = np.full(max(size, 1), -1, dtype=np.int64)
    if not spec.strata:
        mapping[0] = 0
        return mapping, ()
    frame = _decode_strata(spec, codes)
    fitted, _, levels = _strata_codes(frame, list(spec.strata))
    mapping[codes] = fitted
    return mapping, levels


def _decode_strata(spec: _Spec, codes: np.ndarray) -> pd.DataFrame:
    columns = {}
    rest = np.asarray(codes, dtype=np.int64)
    for column, level in reversed(list(zip(spec.strata, spec.strata_levels, strict=True))):
        columns[column] = level.take(rest % len(level))
        rest = rest // len(level)
    return pd.DataFrame({c: columns[c] for c in spec.strata})


def fit_cox_dask(
    frame,
    duration: str,
    event: str,
    covariates,
    strata=None,
    weights=None,
    robust: bool = False,
    reference_levels: dict | None = None,
    ties: str = "efron",
    conf_level: float = defaults.CONF_LEVEL,
    max_iter: int = 20,
    tol: float = 1e-9,
) -> CoxResults:
    """:func:`~recidive.estimation.cox.fit_cox` of a Dask DataFrame or a Parquet path."""
    from recidive.estimation.cox.model import _warn_convergence, assemble_results, fit_cox

    dask, _ = import_dask()
    if weights is not None and not isinstance(weights, str):
        raise ArgumentError(
            "fit_cox: with a Dask DataFrame or a Parquet path, pass weights as a column name"
        )
    covariates = _as_list(covariates, "covariates")
    strata_cols = _as_list(strata, "strata")
    columns = [duration, event, *strata_cols, *covariates, *([weights] if weights else [])]
    ddf = as_dask_frame(frame, columns, "fit_cox")
    if not covariates:
        raise ArgumentError("covariates is empty; give at least one covariate column")
    design, categorical_dtype = _design_of(ddf, covariates, reference_levels)
    spec = _Spec(
        duration, event, weights, tuple(strata_cols), tuple(_levels(ddf, strata_cols)), design,
        ties, _slice_rows(len(design.names)),
    )  # fmt: skip
    # stratum, time, event, covariates and weight
    max_rows = _collapse_budget(4 + len(design.covariates))

    # pass 1: summary (events per stratum and time, means, checks) and collapsed rows,
    # merged two at a time so that a merge holds at most 2 * max_rows rows
    leaves = each_partition(ddf, _leaf, spec, max_rows)
    summary, collapsed = dask.compute(
        _tree(dask, [leaf[0] for leaf in leaves], _merge_summaries),
        _tree(dask, [leaf[1] for leaf in leaves], _merge_collapsed, 2, max_rows=max_rows),
    )
    _check_summary(summary, design, categorical_dtype, event)
    mapping, strata_levels = _strata_map(spec, summary["codes"])

    if collapsed is not None and len(collapsed) <= summary["n_pos"] // 2:
        results = fit_cox(
            _collapsed_frame(collapsed, spec), duration, event, covariates,
            strata=strata_cols or None, weights=_WEIGHT, robust=robust,
            reference_levels=reference_levels, ties=ties, conf_level=conf_level,
            max_iter=max_iter, tol=tol,
        )  # fmt: skip
        metadata = {**results.metadata, "n_rows": summary["n_pos"] if weights else
                    summary["n_all"], "weights": weights, "route": "collapse"}  # fmt: skip
        return dataclasses.replace(results, metadata=MappingProxyType(metadata))

    grid = _grid(summary, mapping, ties)
    # the tasks need only the cells and means, not Efron's terms (one per unit of death weight)
    lean = dataclasses.replace(grid, deaths=None, term_counts=None, term_f=None, term_w=None)
    p = len(design.names)
    upper = np.triu_indices(p)

    def evaluate_at(beta: np.ndarray) -> Evaluation:
        tasks = each_partition(ddf, _partition_sums, spec, lean, beta)
        (sums,) = dask.compute(_tree(dask, tasks, _add_sums))
        bounds = grid.offsets
        s0 = reverse_cumsum(sums["b0"], bounds)
        s1 = reverse_cumsum(sums["b1"], bounds)
        s2 = reverse_cumsum(sums["b2"], bounds)
        e0, e1 = sums["e0"], sums["e1"]
        shift = sums["shift"]
        loglik, score, (a, b, c1, c2, c3) = likelihood_from_sums(
            grid, s0, s1, e0, e1, float(grid.wx_events @ beta), shift
        )
        quad = np.zeros((p, p))
        quad[upper] = a @ s2 - b @ sums["e2"]
        quad = quad + np.triu(quad, 1).T
        info = information_from_sums(quad, s1, e1, c1, c2, c3)
        return Evaluation(loglik, score, info, None, shift, None, s0, s1, e0, e1, a, b, c1, c2, c3)

    nf = newton_iterations(evaluate_at, p, max_iter, tol)
    _warn_convergence(nf, design.names, max_iter, tol)
    naive = nf.variance
    variance = naive
    if robust:
        ev = nf.final
        xbb, hx, hx_own = residual_terms(ev, grid.deaths)
        cum_a = _forward_cumsum(ev.a, grid.offsets)
        cum_hx = _forward_cumsum(hx, grid.offsets)
        args = (spec, lean, nf.beta, ev.shift, cum_a, cum_hx, ev.b, hx_own, xbb)
        tasks = each_partition(ddf, _partition_residual_crossprod, *args)
        (crossprod,) = dask.compute(_tree(dask, tasks, _add_arrays))
        variance = naive @ crossprod @ naive
    n_total = summary["w_total"] if weights else float(summary["n_all"])
    return assemble_results(
        design, nf, variance,
        settings=dict(
            ties=ties, conf_level=conf_level, robust=robust, strata=strata_cols,
            strata_levels=strata_levels, weights=weights, duration=duration, event=event,
            max_iter=max_iter, tol=tol,
        ),
        counts=dict(
            n=n_total, n_events=summary["n_events"],
            n_rows=summary["n_pos"] if weights else summary["n_all"],
            n_distinct_rows=summary["n_pos"],
        ),
        means=grid.means, route="newton",
    )  # fmt: skip


def _forward_cumsum(a: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    out = np.empty_like(a)
    for lo, hi in zip(offsets[:-1], offsets[1:], strict=True):
        out[lo:hi] = np.cumsum(a[lo:hi], axis=0)
    return out


def _add_arrays(*arrays):
    return sum(arrays)


def _grid(summary, mapping: np.ndarray, ties: str) -> _Grid:
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
    return _Grid(mapping, offsets, times, deaths, means, term_counts, term_f, term_w, wx_events)


def _collapsed_frame(collapsed: pd.DataFrame, spec: _Spec) -> pd.DataFrame:
    """The collapsed rows with the original strata values and covariate levels."""
    design = spec.design
    columns = {}
    if spec.strata:
        columns.update(_decode_strata(spec, collapsed[_S].to_numpy()).to_dict("series"))
        columns = {c: v.to_numpy() for c, v in columns.items()}
    columns[spec.duration] = collapsed[_T].to_numpy()
    columns[spec.event] = collapsed[_E].to_numpy().astype(np.int8)
    for cov in design.covariates:
        values = collapsed[cov].to_numpy()
        if cov in design.levels:
            columns[cov] = pd.Categorical.from_codes(values, categories=list(design.levels[cov]))
        else:
            columns[cov] = values
    columns[_WEIGHT] = collapsed[_WEIGHT].to_numpy()
    return pd.DataFrame(columns)

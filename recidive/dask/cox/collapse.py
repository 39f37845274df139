"""Pass 1 of a Cox fit on Dask: the summary every fit needs, and the collapse route's rows.

Every partition returns a summary (rows, weights, events per stratum and time, covariate
sums, minima and maxima, stratum codes), from which the driver checks the data and builds
the grid of event times, and its rows merged on (stratum, time, event, covariates) into one
row with their summed frequency weight. The partial results are merged again in a tree, two
at a time. When the merged rows are at most the budget of :func:`collapse_budget`
(:data:`MAX_COLLAPSED_ROWS`, and :data:`WORKER_SHARE` of the smallest worker's memory limit)
and at most half the rows (registry data: integer days, categorical covariates), they are
fitted in memory by :func:`~recidive.estimation.cox.fit_cox` with those weights, which is
exact.

A partition or merge whose collapsed rows exceed the budget gives up (returns ``None``,
which every merge above passes on): a partition is collapsed a budget of rows at a time, so
no groupby ever sees more than twice the budget, and the fit takes the Newton route. A
continuous covariate gives up early: past :data:`LARGE_PARTITION` rows, a slice with a
numeric covariate of over :data:`CONTINUOUS_SHARE` distinct values, or collapsed rows that
keep over that share of the rows, stop the collapse before whole partitions travel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recidive.dask._plumbing import (
    each_partition,
    import_dask,
    release_arrow_memory,
    row_slices,
    smallest_worker_memory,
    tree_reduce,
)
from recidive.dask.cox.spec import (
    EVENT,
    MIN_SLICE_ROWS,
    STRATUM,
    TIME,
    WEIGHT,
    Spec,
    covariate_codes,
    decode_strata,
    model_rows,
)
from recidive.errors import ArgumentError
from recidive.estimation.cox._design import (
    Design,
    constant_error,
    constant_level_error,
    empty_levels_error,
    no_events_error,
)
from recidive.estimation.cox.model import checked_outcome

#: Largest number of collapsed rows fitted in memory (about 100 bytes per row and
#: covariate on the driver); more, or more than half the rows, and the Newton route is used.
MAX_COLLAPSED_ROWS = 5_000_000
#: Peak bytes per collapsed row and column of a merge (measured about 24: the concatenated
#: inputs, pandas' group codes and the result).
BYTES_PER_CELL = 32
#: The share of a worker's memory limit that the collapsed rows may take at this size (a
#: merge of two holds at most twice that).
WORKER_SHARE = 1 / 8
#: Rows from which a partition that looks continuous stops collapsing.
LARGE_PARTITION = 10_000
#: Share of distinct values (or of rows kept by collapsing) above which collapsing stops.
CONTINUOUS_SHARE = 0.8
#: Collapsed rows of the merges are combined this many at a time.
MERGE_EVERY = 2
#: The collapse route is taken when the collapsed rows are at most this share of the rows.
MAX_COLLAPSED_SHARE = 1 / 2
_SUMMED = ("n_all", "n_pos", "w_total", "n_events", "xw", "xev", "xcount")


def first_pass(ddf, spec: Spec, collapse: bool = True):
    """The summary of all partitions, and their collapsed rows (None: too many, or no collapse).

    The collapsed rows hold stratum, time, event, covariates and weight; ``collapse=False``
    collapses nothing (the Newton route).
    """
    dask, _ = import_dask()
    n_columns = len((STRATUM, TIME, EVENT, WEIGHT)) + len(spec.design.covariates)
    max_rows = collapse_budget(n_columns) if collapse else 0
    # merged two at a time, so that a merge holds at most 2 * max_rows collapsed rows
    results = each_partition(ddf, leaf, spec, max_rows)
    return dask.compute(
        tree_reduce([r[0] for r in results], merge_summaries),
        tree_reduce([r[1] for r in results], merge_collapsed, MERGE_EVERY, max_rows=max_rows),
    )


def collapse_pays(collapsed: pd.DataFrame | None, summary: dict) -> bool:
    """Whether the collapsed rows are few enough to fit in memory instead of the rows."""
    return collapsed is not None and len(collapsed) <= MAX_COLLAPSED_SHARE * summary["n_pos"]


def collapse_budget(n_columns: int) -> int:
    """Most collapsed rows the collapse route may hold: in a merge task and on the driver.

    :data:`MAX_COLLAPSED_ROWS`, and with an active ``distributed`` client, the rows of
    ``n_columns`` columns that fit in :data:`WORKER_SHARE` of the smallest worker memory
    limit (a merge of two such sets then peaks at about twice that).
    """
    limit = smallest_worker_memory()
    if limit is None:
        return MAX_COLLAPSED_ROWS  # no cluster: local threads or processes, bounded by the driver
    per_row = BYTES_PER_CELL * n_columns
    return min(MAX_COLLAPSED_ROWS, int(limit * WORKER_SHARE / per_row))


def leaf(part: pd.DataFrame, spec: Spec, max_rows: int):
    """Pass 1 over a partition: its summary, and its collapsed rows (None: no collapse).

    A slice of rows at a time: the slices' summaries are merged, and each slice's rows are
    collapsed together with the rows collapsed so far (so no groupby sees more than
    ``max_rows`` plus a slice of at most ``max_rows``, or :data:`MIN_SLICE_ROWS`, rows).
    Collapsing stops once the collapsed rows exceed ``max_rows``, or, past
    :data:`LARGE_PARTITION` rows, once they keep over :data:`CONTINUOUS_SHARE` of the rows;
    and before any groupby when a slice of at least that many rows has a covariate with
    over that share of distinct values (a continuous covariate).
    """
    release_arrow_memory()  # what reading the partition left
    # the errors count the partition's rows
    checked_outcome(part, spec.duration, spec.event, spec.weights, spec.ties)
    summaries, collapsed, seen = [], None, 0
    collapsing = max_rows >= 1
    size = (
        spec.slice_rows if not collapsing else max(MIN_SLICE_ROWS, min(spec.slice_rows, max_rows))
    )
    for rows in row_slices(part, size):
        summary, frame = _slice_summary(rows, spec, collapsing)
        summaries.append(summary)
        seen += len(rows)
        if frame is None:
            collapsing = False
        elif collapsing:
            collapsed = _collapse(frame if collapsed is None else pd.concat([collapsed, frame]))
            collapsing = len(collapsed) <= max_rows and not (
                seen >= LARGE_PARTITION and len(collapsed) > CONTINUOUS_SHARE * seen
            )
    return merge_summaries(*summaries), collapsed if collapsing else None


def merge_summaries(*parts):
    """The summary of several partitions (or slices)."""
    out = dict(parts[0])
    for s in parts[1:]:
        for key in _SUMMED:
            out[key] = out[key] + s[key]
        out["xmin"] = np.minimum(out["xmin"], s["xmin"])
        out["xmax"] = np.maximum(out["xmax"], s["xmax"])
        out["codes"] = np.union1d(out["codes"], s["codes"])
        out["events"] = out["events"].add(s["events"], fill_value=0.0)
    return out


def merge_collapsed(*frames, max_rows: int):
    """The collapsed rows of some partitions; ``None`` (Newton route) above ``max_rows``."""
    if any(f is None for f in frames):
        return None
    merged = _collapse(pd.concat(frames, ignore_index=True))
    return None if len(merged) > max_rows else merged


def check_summary(summary, design: Design, categorical_dtype: set, event: str) -> None:
    """The in-memory argument errors that need all rows: empty, constant, no events."""
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
                raise constant_level_error(cov, next(lv for lv in count if count[lv]), n)
        elif summary["xmin"][cols[0]] == summary["xmax"][cols[0]]:
            raise constant_error(cov, summary["xmin"][cols[0]], n)
    if summary["n_events"] == 0:
        raise no_events_error(summary["n_pos"], event)


def collapsed_frame(collapsed: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """The collapsed rows with the original strata values and covariate levels.

    Weighted by the :data:`~recidive.dask.cox.spec.WEIGHT` column, ready for ``fit_cox``.
    """
    design = spec.design
    columns = {}
    if spec.strata:
        columns.update(decode_strata(spec, collapsed[STRATUM].to_numpy()).to_dict("series"))
        columns = {c: v.to_numpy() for c, v in columns.items()}
    columns[spec.duration] = collapsed[TIME].to_numpy()
    columns[spec.event] = collapsed[EVENT].to_numpy().astype(np.int8)
    for cov in design.covariates:
        values = collapsed[cov].to_numpy()
        if cov in design.levels:
            columns[cov] = pd.Categorical.from_codes(values, categories=list(design.levels[cov]))
        else:
            columns[cov] = values
    columns[WEIGHT] = collapsed[WEIGHT].to_numpy()
    return pd.DataFrame(columns)


def _slice_summary(rows: pd.DataFrame, spec: Spec, collapsing: bool):
    """The summary of some rows, and their (stratum, time, event, covariates, weight) frame.

    The frame is None when not ``collapsing`` or when a covariate looks continuous.
    """
    time, status, w, code, x = model_rows(rows, spec)
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
    codes = covariate_codes(rows, spec.design)
    if n >= LARGE_PARTITION and any(
        len(pd.unique(v)) > CONTINUOUS_SHARE * n
        for cov, v in codes.items()
        if cov not in spec.design.levels
    ):
        return summary, None  # a continuous covariate: no groupby
    frame = pd.DataFrame({STRATUM: code, TIME: time, EVENT: status, **codes})
    frame[WEIGHT] = w
    return summary, frame if pos.all() else frame[pos]


def _collapse(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in frame.columns if c != WEIGHT]
    return frame.groupby(keys, sort=False, observed=True)[WEIGHT].sum().reset_index()

"""The mean cumulative function of a Dask DataFrame or a Parquet dataset, from sums.

The MCF is a risk-table sum, and its Lawless-Nadeau variance one more sum per person
given the pooled at-risk and event counts (:mod:`recidive.estimation._mcf_sums`). So the
wing makes three passes over the partitions, each a reduction to arrays of the length of
the time grid, and the driver turns the sums into the curve with the in-memory code:

0. the grid: the distinct stop times, and the ids of each partition (to check that no
   person's rows are split between partitions: the per-person sums need whole persons,
   which the Dask cohort's buckets give; a frame can be made so with ``shuffle`` on the id);
1. per partition, entering, leaving and event weights on the shared grid, the entries and
   the counts (:func:`~recidive.estimation._mcf_sums.grid_sums`), added up;
2. per partition, the person sums given the pooled ``Y`` and ``dN``
   (:func:`~recidive.estimation._mcf_sums.person_sums`), added up.

The result equals :func:`~recidive.estimation.mean_cumulative.mean_cumulative_function`
on the same rows in memory (to rounding: sums are added in another order).

Registered as the Dask implementation of
:func:`~recidive.estimation.mean_cumulative.mean_cumulative_function_by` (one curve,
labelled ``"all"``; ``by`` is refused).
"""

from __future__ import annotations

import numpy as np

from recidive import _engines
from recidive.dask._plumbing import as_dask_frame, each_partition, import_dask, tree_reduce
from recidive.errors import ArgumentError
from recidive.estimation._mcf_sums import at_risk, entry_sums, grid_sums, person_sums, time_grid
from recidive.estimation._person_rows import check_person_rows
from recidive.estimation.horizon_rates import OVERALL
from recidive.estimation.mean_cumulative import mcf_from_sums


@_engines.register("mean_cumulative_function_by")
def dask_mean_cumulative_function(
    frame, stop, event, id, by, entry, weights, conf_type, conf_level, time_unit
) -> dict:
    """One MCF of a Dask DataFrame or Parquet path whose partitions hold whole persons."""
    dask, _ = import_dask()
    if by:
        raise ArgumentError(
            "mean_cumulative_function_by: by is not supported on Dask data; select each "
            "group's rows (frame[frame.group == g]) and pass them one at a time"
        )
    columns = [c for c in (stop, event, id, entry, weights) if c is not None]
    table = as_dask_frame(frame, columns, "mean_cumulative_function_by")
    names = (stop, event, id, entry, weights)
    grids = each_partition(table, _stops_and_ids, names)
    parts = dask.compute(*grids)
    time = np.unique(np.concatenate([p[0] for p in parts]))
    ids = np.concatenate([p[1] for p in parts])
    if np.unique(ids).size < ids.size:
        raise ArgumentError(
            "mean_cumulative_function_by: the rows of some ids lie in more than one partition "
            "of the Dask data; the Lawless-Nadeau variance needs each person's rows together: "
            f"repartition by {id!r} first (e.g. frame.shuffle(on={id!r}))"
        )
    first = tree_reduce(each_partition(table, _grid_part, names, time), _add)
    (totals,) = dask.compute(first)
    y = at_risk(totals["enter"], totals["leave"])
    second = tree_reduce(
        each_partition(table, _person_part, names, time, y, totals["events"]), _add
    )
    (persons,) = dask.compute(second)
    entry_time = np.unique(np.concatenate(totals["entry_parts_time"]))
    entry_weight = np.zeros(entry_time.size)
    for t, w in zip(totals.pop("entry_parts_time"), totals.pop("entry_parts_weight"), strict=True):
        np.add.at(entry_weight, np.searchsorted(entry_time, t), w)
    counts = {
        "n": totals.pop("n"),
        "n_rows": totals.pop("n_rows"),
        "weighted": weights is not None,
    }
    result = mcf_from_sums(
        time, totals, persons, (entry_time, entry_weight), counts, conf_type, conf_level,
        time_unit,
    )  # fmt: skip
    return {OVERALL: result}


def _rows(part, names):
    stop, event, id, entry, weights = names
    return check_person_rows(
        part[stop], part[event], part[id],
        None if entry is None else part[entry], None if weights is None else part[weights],
    )  # fmt: skip


def _stops_and_ids(part, names):
    if not len(part):
        return np.zeros(0), np.zeros(0)
    return np.unique(part[names[0]].to_numpy()), np.unique(part[names[2]].to_numpy())


def _grid_part(part, names, time):
    """Pass 1 of one partition: its grid sums on the shared grid, entries and counts."""
    if not len(part):
        return _empty(time.size)
    rows = _rows(part, names)
    sums = grid_sums(rows, time_grid(rows, time))
    entry_time, entry_weight = entry_sums(rows)
    return {
        **sums,
        "entry_parts_time": [entry_time],
        "entry_parts_weight": [entry_weight],
        "n": float(rows.person_weight().sum()),
        "n_rows": rows.n_rows,
    }


def _person_part(part, names, time, y, events):
    """Pass 2 of one partition (whole persons): its person sums given the pooled totals."""
    if not len(part):
        return {"base_enter": np.zeros(time.size), "base_stop": np.zeros((time.size, 2))}
    rows = _rows(part, names)
    return person_sums(rows, time_grid(rows, time), y, events)


def _empty(m: int) -> dict:
    return {
        "enter": np.zeros(m), "leave": np.zeros(m), "events": np.zeros(m),
        "entry_parts_time": [], "entry_parts_weight": [],
        "n": 0.0, "n_rows": 0,
    }  # fmt: skip


def _add(*parts: dict) -> dict:
    """Partial sums added: arrays and numbers by ``+``, lists joined."""
    out = {}
    for key in parts[0]:
        values = [p[key] for p in parts]
        out[key] = (
            sum(values[1:], start=values[0])
            if not isinstance(values[0], list)
            else [v for value in values for v in value]
        )
    return out

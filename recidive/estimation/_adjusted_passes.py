"""The passes of adjusted rates over the rows: one frame in memory, or partition by partition.

:func:`recidive.adjusted_rates` is four reductions over the rows, each a function of one
part of the rows (a pandas frame) whose results add up, so that the in-memory call and the
Dask one (:mod:`recidive.dask.map_reduce`) run the same code on one frame or on every
partition:

0. :func:`survey_part`: the distinct durations (the time grid) and the rows and longest
   follow-up of each group (:func:`combine_survey` merges them);
1. :func:`sums_part`: per time of the grid, the Cox model's risk-set sums and each
   group's rows and events (the Kaplan-Meier counts);
2. :func:`population_part`: per (group, horizon), the sums of the mean predicted risk
   over its population;
3. :func:`influence_part`: per (group, horizon), the sum of the squared influence values.

Between the passes the driver (:mod:`recidive.estimation.adjusted_rates`) turns the sums
into the baseline hazard, the estimates and the weights of the influence functions
(:mod:`recidive.estimation._standardisation`). Only arrays of the grid's length travel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive.errors import ArgumentError
from recidive.estimation._standardisation import (
    Baseline,
    KMTable,
    MeanRisk,
    cox_rows,
    km_influence,
    mean_risk_influence,
    population_sums,
    time_sums,
)
from recidive.estimation.cox._columns import checked_outcome
from recidive.estimation.cox._design import Design


@dataclass(frozen=True)
class PassSpec:
    """What every part needs: the columns, the groups kept, the model's design."""

    duration: str
    event: str
    group: str
    levels: tuple  # the groups in the model, in order (the first is the factor's reference)
    design: Design
    method: str
    reference: int | None  # the reference group's position in ``levels``; None: all rows
    times: tuple[float, ...]  # horizons, in ``duration`` units
    wanted: np.ndarray  # (groups, times): the cells within the group's follow-up

    def shift(self, g: int, center: np.ndarray) -> tuple[list[int], np.ndarray] | None:
        """Group ``g``'s dummies, centred as the fitted rows (None: the indirect method)."""
        if self.method != "direct":
            return None
        columns = list(self.design.terms[self.group])
        return columns, (np.arange(1, len(columns) + 1) == g) - center[columns]


@dataclass(frozen=True)
class KaplanMeiers:
    """The indirect method's Kaplan-Meier tables and rates (per group, and the reference)."""

    groups: tuple[KMTable, ...]
    reference: KMTable
    observed: np.ndarray  # (groups, times) 1 - KM of each group
    observed_reference: np.ndarray  # (times,)


def survey_part(part: pd.DataFrame, duration: str, event: str, group: str):
    """The distinct durations, and each group's rows (``n``) and ``longest`` follow-up."""
    time, _, _ = checked_outcome(part, duration, event, None, "breslow")
    values = part[group]
    missing = values.isna().to_numpy()
    if missing.any():
        raise ArgumentError(
            f"group column {group!r} has missing values in {int(missing.sum())} rows; every "
            "row needs a group (drop those rows or give them a level)"
        )
    table = (
        pd.DataFrame({"n": 1, "longest": time})
        .groupby(values.to_numpy())
        .agg({"n": "sum", "longest": "max"})
    )
    return np.unique(time), table


def combine_survey(*parts):
    """:func:`survey_part` results of several parts as one."""
    grid = np.unique(np.concatenate([p[0] for p in parts]))
    table = pd.concat([p[1] for p in parts]).groupby(level=0).agg({"n": "sum", "longest": "max"})
    return grid, table


def add(*parts):
    """Element-wise sum of arrays or of tuples of arrays (the passes' results)."""
    if isinstance(parts[0], tuple):
        return tuple(sum(items) for items in zip(*parts, strict=True))
    return sum(parts)


def _kept_rows(part: pd.DataFrame, spec: PassSpec):
    """Group codes, design matrix (uncentred), durations and events of the model's rows."""
    codes = np.asarray(pd.Categorical(part[spec.group], categories=spec.levels).codes, np.int64)
    keep = codes >= 0
    if not keep.all():
        part, codes = part[keep], codes[keep]
    # the survey pass checked these columns
    time = part[spec.duration].to_numpy(dtype=float)
    event = part[spec.event].to_numpy(dtype=np.int64)
    return codes, spec.design.matrix(part), time, event


def _model_rows(part: pd.DataFrame, spec: PassSpec, base: Baseline):
    """The group codes and :class:`CoxRows` of the part's rows in the model's groups."""
    codes, x, time, event = _kept_rows(part, spec)
    return codes, cox_rows(base, x, time, event)


def sums_part(part: pd.DataFrame, spec: PassSpec, grid: np.ndarray, beta, center):
    """Pass 1: the Cox time sums (:func:`time_sums`) and the rows and events per group and time."""
    codes, x, time, event = _kept_rows(part, spec)
    x -= center
    cells = len(spec.levels) * len(grid)
    at = codes * len(grid) + np.searchsorted(grid, time)
    counts = np.stack(
        [
            np.bincount(at, minlength=cells).astype(float),
            np.bincount(at, weights=event, minlength=cells),
        ]
    ).reshape(2, len(spec.levels), len(grid))
    return time_sums(grid, time, event, x, beta), counts


def _populations(spec: PassSpec, codes: np.ndarray, rows):
    """Per group: its population's members, centred covariates and linear predictor.

    The direct method's population is the reference (all rows or the base group) for every
    group, with the group's dummies left out of the linear predictor; the indirect method's
    is the group's own rows.
    """
    beta = rows.base.beta
    if spec.method == "direct":
        members = slice(None) if spec.reference is None else codes == spec.reference
        x = rows.x[members]
        columns = list(spec.design.terms[spec.group])
        eta = x @ beta - x[:, columns] @ beta[columns]
        return [(members, x, eta)] * len(spec.levels)
    out = []
    for g in range(len(spec.levels)):
        members = codes == g
        x = rows.x[members]
        out.append((members, x, x @ beta))
    return out


def population_part(part: pd.DataFrame, spec: PassSpec, base: Baseline) -> np.ndarray:
    """Pass 2: :func:`population_sums` per (group, horizon): ``(groups, times, 3 + p)``."""
    codes, rows = _model_rows(part, spec, base)
    out = np.zeros((len(spec.levels), len(spec.times), 3 + len(base.beta)))
    for g, (_, x, eta) in enumerate(_populations(spec, codes, rows)):
        shift = spec.shift(g, base.center)
        for k, t in enumerate(spec.times):
            if spec.wanted[g, k]:
                out[g, k] = population_sums(base, t, x, eta, shift)
    return out


def influence_part(
    part: pd.DataFrame,
    spec: PassSpec,
    base: Baseline,
    terms: dict[tuple[int, int], MeanRisk],
    km: KaplanMeiers | None,
) -> np.ndarray:
    """Pass 3: the sum of squared influence values per (group, horizon): ``(groups, times)``.

    ``terms`` are the mean risks of pass 2 by (group, horizon index); ``km`` the indirect
    method's Kaplan-Meier tables (None for the direct method).
    """
    codes, rows = _model_rows(part, spec, base)
    populations = _populations(spec, codes, rows)
    out = np.zeros((len(spec.levels), len(spec.times)))
    for k, t in enumerate(spec.times):
        q = rows.q(t)
        if km is not None:
            ref = slice(None) if spec.reference is None else codes == spec.reference
            ref_influence = km_influence(
                km.reference, rows.time, rows.event, ref, t, 1 - km.observed_reference[k]
            )
        for g, (members, _, eta) in enumerate(populations):
            if (g, k) not in terms:
                continue
            shift = spec.shift(g, base.center)
            influence = mean_risk_influence(rows, q, terms[g, k], members, eta, t, shift)
            if km is not None:
                own = km_influence(km.groups[g], rows.time, rows.event, members, t,
                                   1 - km.observed[g, k])  # fmt: skip
                influence = own - influence + ref_influence
            out[g, k] = influence @ influence
    return out

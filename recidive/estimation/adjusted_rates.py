"""Recidivism adjusted for composition: the direct and the indirect (Recidivemonitor) method.

Observed recidivism of successive exit cohorts changes when policy works, but also when
the cohorts hold other offenders (younger, more prior cases). Adjusted ("gecorrigeerde")
recidivism takes the composition out, so that a trend is not a change of who was released.

- ``method="direct"`` (standardisation): a Cox model with the group as a factor plus the
  covariates; for each group ``g`` the mean over the reference population of
  ``1 - S(t | x, g)``: everyone in the reference given the group's hazard. R's
  ``rowMeans`` of ``survfit(coxph, newdata)`` and ``riskRegression::ate``; its standard
  error is the influence function of that mean (:mod:`recidive.estimation._standardisation`),
  ``ate``'s own. With Breslow ties ``ate``'s baseline is Breslow's; with Efron ties the
  baseline is the Efron-adjusted one (``survfit``'s default) and the standard error the
  Breslow form at the Efron fit, as ``ate`` does. If the hazards of the groups are not
  proportional, fitting the group as a stratum (a baseline per group) is the alternative:
  ``fit_cox(..., strata=group)`` with :func:`recidive.estimation.cox.standardized_survival`
  (point estimates only; ``tests/r/adjusted_rates.json`` holds R's for comparison).
- ``method="indirect"``, the Recidivemonitor's correction: ``observed_g - expected_g +
  observed_ref``, with ``observed`` the Kaplan-Meier rate, ``expected_g`` the mean over the
  group's rows of ``1 - S(t | x)`` of a Cox model on the covariates without the group, and
  ``observed_ref`` the Kaplan-Meier rate of the reference. Its standard error is the delta
  method by influence functions: the three terms' influence functions (Kaplan-Meier: the
  Aalen form; expected: as above) are summed per person, so their covariances are in.

The reference population is every row (``reference=None``, the pooled cohorts) or the rows
of one group (a base year). Which one the Recidivemonitor takes could not be read from its
stored sources (``tests/r/adjusted_rates.json``, ``meta.recidivemonitor``): its reports
speak of a "referentiegroep"; both are offered.

Every step is a sum over the rows (:mod:`recidive.estimation._adjusted_passes`), so a Dask
DataFrame takes the same passes partition by partition after one Cox fit on Dask.

A horizon past a group's longest follow-up gives NaN with status
``insufficient_follow_up``, never an extrapolation of the pooled baseline. A group never
followed to the first horizon (the latest exit year, say) is left out of the model and of
the pooled reference, and reported with that status at every horizon.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from recidive import _engines, defaults
from recidive._arguments import check_conf_level, check_horizons, check_time_unit, shown
from recidive.errors import ArgumentError
from recidive.estimation import _adjusted_passes as passes
from recidive.estimation._standardisation import baseline, km_rate, km_table, mean_risk_terms
from recidive.estimation.cox import fit_cox
from recidive.estimation.cox._design import as_list, require_columns
from recidive.estimation.kaplan_meier import INSUFFICIENT, OK

METHODS = ("direct", "indirect")
TIES = ("efron", "breslow")
COLUMNS = (
    "horizon_years",
    "n",
    "observed_rate",
    "expected_rate",
    "adjusted_rate",
    "std_err",
    "ci_lower",
    "ci_upper",
    "status",
)


@dataclass(frozen=True, eq=False)
class AdjustedRates:
    """Observed and adjusted recidivism per group and horizon (from :func:`adjusted_rates`).

    ``to_frame()`` columns: the group column, ``horizon_years, n, observed_rate,
    expected_rate, adjusted_rate, std_err, ci_lower, ci_upper, status``; ``expected_rate``
    is NaN for the direct method. The other attributes are the call's settings.
    """

    table: pd.DataFrame
    group: str
    covariates: tuple[str, ...]
    method: str
    reference: object
    ties: str
    conf_level: float
    time_unit: str

    def to_frame(self) -> pd.DataFrame:
        """The rates as a new DataFrame."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        return self.table.to_html(index=False, float_format=lambda v: f"{v:.4f}")


def adjusted_rates(
    frame: pd.DataFrame,
    duration: str,
    event: str,
    group: str,
    covariates: Sequence[str],
    horizons: Sequence[float] = defaults.HORIZONS_YEARS,
    time_unit: str = defaults.TIME_UNIT,
    method: str = "direct",
    reference: object = None,
    ties: str = "efron",
    conf_level: float = defaults.CONF_LEVEL,
) -> AdjustedRates:
    """Recidivism per group adjusted for the covariates (direct or indirect standardisation).

    Parameters
    ----------
    frame : DataFrame or dask.dataframe.DataFrame
        One row per person: duration, event, group and covariates. A Dask DataFrame gives
        the same table (to rounding): one Cox fit on Dask and passes of sums over the
        partitions (:mod:`recidive.estimation._adjusted_passes`).
    duration, event : str
        Columns of the time to the first reoffence (or censoring) and its 0/1 flag.
    group : str
        The column whose levels are compared, e.g. ``"exit_year"``.
    covariates : sequence of str
        Columns corrected for; numeric as they are, categorical/text as dummies.
    horizons : sequence of float
        Horizons in years.
    time_unit : {"days", "weeks", "months", "years"}
        Unit of ``duration``.
    method : {"direct", "indirect"}
        Standardisation of a Cox model with the group (direct), or the Recidivemonitor's
        observed - expected + observed of the reference (indirect). See the module notes.
    reference : optional
        None: the reference population is every row; else one level of ``group`` (a base
        year), whose rows are the reference.
    ties : {"efron", "breslow"}
        Ties of the Cox model; ``"breslow"`` reproduces ``riskRegression::ate``.
    conf_level : float
        Level of the Wald interval ``adjusted_rate -/+ z std_err`` (``ate``'s).

    Returns
    -------
    AdjustedRates

    Examples
    --------
    >>> import recidive as rc
    >>> cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=2000, seed=1))
    >>> frame = cohort.survival_frame("general")
    >>> frame = frame[frame["exit_year"].between(2010, 2016)]
    >>> adj = rc.adjusted_rates(frame, "days", "event", "exit_year",
    ...                         ["age_at_index", "sex", "prior_cases"], horizons=(2,))
    >>> adj.to_frame().columns[:4].tolist()
    ['exit_year', 'horizon_years', 'n', 'observed_rate']
    """
    covariates = as_list(covariates, "covariates")
    years = check_horizons(horizons)
    per_year = check_time_unit(time_unit)
    conf_level = check_conf_level(conf_level)
    if method not in METHODS:
        raise ArgumentError(f"method must be one of {METHODS}; got {shown(method)}")
    if ties not in TIES:
        raise ArgumentError(f"ties must be one of {TIES}; got {shown(ties)}")
    require_columns(frame, [duration, event, group, *covariates], "adjusted_rates")
    if group in covariates:
        raise ArgumentError(f"group {group!r} is also among the covariates; drop it from them")
    table = _rate_table(
        frame,
        duration,
        event,
        group,
        covariates,
        years * per_year,
        method,
        reference,
        ties,
        conf_level,
    )
    table.insert(1, "horizon_years", np.tile(years.astype(float), len(table) // len(years)))
    return AdjustedRates(
        table, group, tuple(covariates), method, reference, ties, conf_level, time_unit
    )


def _rate_table(
    frame,
    duration,
    event,
    group,
    covariates,
    times,
    method,
    reference,
    ties,
    conf_level,
    score: str = "breslow",
) -> pd.DataFrame:
    """The checked call's rows, group by group and time by time (``score``: see
    :func:`recidive.estimation._standardisation.baseline`; the tests reproduce ``ate``).

    ``frame`` is a pandas or a Dask DataFrame: the same passes run on the one frame or on
    every partition (:mod:`recidive.estimation._adjusted_passes`).
    """
    data = frame[list(dict.fromkeys([duration, event, group, *covariates]))]
    if _engines.is_distributed(data):
        run = functools.partial(_engines.implementation("map_reduce"), data)
    else:
        run = functools.partial(_one_part, data)
    grid, groups = run(passes.survey_part, passes.combine_survey, duration, event, group)
    levels, short = _levels(groups, reference, min(times), group, duration)
    kept = data[~data[group].isin(short)] if short else data
    model_frame = kept.assign(**{group: kept[group].astype(pd.CategoricalDtype(levels))})
    terms = [group, *covariates] if method == "direct" else covariates
    fit = fit_cox(model_frame, duration, event, terms, ties=ties)
    if not np.all(fit._kept):
        aliased = [n for n, k in zip(fit.names, fit._kept, strict=True) if not k]
        raise ArgumentError(f"covariates {aliased} are aliased (collinear); drop them")
    beta = np.asarray(fit.coef, dtype=float)
    center = np.array([fit.metadata["means"][name] for name in fit.names])
    longest = groups["longest"]
    spec = passes.PassSpec(
        duration, event, group, tuple(levels), fit._design, method,
        None if reference is None else levels.index(reference),
        tuple(float(t) for t in times),
        np.array([[t <= longest[lv] for t in times] for lv in levels]),
    )  # fmt: skip
    sums, counts = run(passes.sums_part, passes.add, spec, grid, beta, center)
    base = baseline(grid, sums, beta, center, fit.naive_variance_matrix, ties, score)
    km = _kaplan_meiers(spec, grid, counts)
    populations = run(passes.population_part, passes.add, spec, base)
    mean_risks = {
        (g, k): mean_risk_terms(base, t, populations[g, k], spec.shift(g, center))
        for g in range(len(levels))
        for k, t in enumerate(spec.times)
        if spec.wanted[g, k]
    }
    squares = run(
        passes.influence_part, passes.add, spec, base, mean_risks,
        km if method == "indirect" else None,
    )  # fmt: skip
    z = special.ndtri(1 - (1 - conf_level) / 2)
    rows = []
    for g, level in enumerate(levels):
        for k in range(len(times)):
            row = _cell(km, mean_risks.get((g, k)), squares[g, k], method, g, k)
            low, high = (
                row["adjusted_rate"] - z * row["std_err"],
                row["adjusted_rate"] + z * row["std_err"],
            )
            n = int(groups.loc[level, "n"])
            rows.append({group: level, "n": n, **row, "ci_lower": low, "ci_upper": high})
    for level in short:
        n = int(groups.loc[level, "n"])
        rows += [{group: level, "n": n, "status": INSUFFICIENT} for _ in times]
    columns = [group, *(c for c in COLUMNS if c != "horizon_years")]
    table = pd.DataFrame(rows).reindex(columns=columns)
    all_levels = list(groups.index)
    order = np.argsort([all_levels.index(v) for v in table[group]], kind="stable")
    return table.iloc[order].reset_index(drop=True)


def _one_part(frame, function, combine, *args):
    """The passes of an in-memory frame: the frame is the one part."""
    return function(frame, *args)


def _levels(groups: pd.DataFrame, reference, first_time: float, group: str, duration: str):
    """The groups in the model and those never followed to the first horizon."""
    all_levels = list(groups.index)
    if reference is not None and reference not in all_levels:
        raise ArgumentError(
            f"reference {shown(reference)} is not a level of {group!r}; use None (all rows) "
            f"or one of {all_levels}"
        )
    short = [lv for lv in all_levels if groups.loc[lv, "longest"] < first_time]
    if reference in short or len(short) == len(all_levels):
        raise ArgumentError(
            f"{'the reference' if reference in short else 'no'} group of {group!r} is followed "
            f"up to the first horizon ({first_time:g} {duration} units); choose a shorter horizon"
            + (" or another reference" if reference in short else "")
        )
    # groups never followed to the first horizon stay out of the model (a level without
    # events there would have no finite coefficient) and are reported as such
    return [lv for lv in all_levels if lv not in short], short


def _kaplan_meiers(spec, grid, counts) -> passes.KaplanMeiers:
    """The Kaplan-Meier tables and rates of every group and of the reference."""
    tables = tuple(km_table(grid, n, d) for n, d in zip(counts[0], counts[1], strict=True))
    if spec.reference is None:
        reference = km_table(grid, counts[0].sum(axis=0), counts[1].sum(axis=0))
    else:
        reference = tables[spec.reference]
    return passes.KaplanMeiers(
        tables,
        reference,
        np.array([[km_rate(table, t) for t in spec.times] for table in tables]),
        np.array([km_rate(reference, t) for t in spec.times]),
    )


def _cell(km, mean_risk, squares: float, method: str, g: int, k: int) -> dict:
    """One (group, horizon) row: observed, expected, adjusted, std_err, status."""
    nan = float("nan")
    row = {"observed_rate": float(km.observed[g, k]), "expected_rate": nan}
    if mean_risk is None:  # past the group's longest follow-up
        return {**row, "adjusted_rate": nan, "std_err": nan, "status": INSUFFICIENT}
    if method == "direct":
        adjusted = mean_risk.estimate
    else:
        row["expected_rate"] = mean_risk.estimate
        adjusted = row["observed_rate"] - mean_risk.estimate + float(km.observed_reference[k])
    if not np.isfinite(adjusted):
        return {**row, "adjusted_rate": nan, "std_err": nan, "status": INSUFFICIENT}
    return {**row, "adjusted_rate": adjusted, "std_err": float(np.sqrt(squares)), "status": OK}

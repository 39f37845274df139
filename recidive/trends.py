"""Recidivism trends over exit cohorts, observed and adjusted for their composition.

The Recidivemonitor's main product: the recidivism of successive exit cohorts ("year of
exit", "uitstroomjaar"), as observed ("feitelijke recidive") and corrected for changes in who
is in the cohort ("gecorrigeerde recidive"). This is the cohort-level call of
:func:`recidive.adjusted_rates`, one criterion at a time, with the defaults a trend needs.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from recidive import _engines, defaults
from recidive._arguments import check_names
from recidive.errors import ArgumentError
from recidive.estimation.adjusted_rates import AdjustedRates, adjusted_rates


def recidivism_trends(
    cohort,
    by: str = "exit_year",
    criteria: Sequence[str] = ("general",),
    horizons: Sequence[float] = (2,),
    covariates: Sequence[str] | None = defaults.TREND_COVARIATES,
    method: str = "direct",
    reference: object = None,
    ties: str = "efron",
    conf_level: float = defaults.CONF_LEVEL,
) -> AdjustedRates:
    """Observed and adjusted recidivism of a cohort by exit year (or another person column).

    Parameters
    ----------
    cohort : Cohort or DaskCohort
        From :func:`recidive.build_cohort`. A :class:`~recidive.dask.DaskCohort` gives the
        same table (to rounding): one Cox fit on Dask and passes of sums over the partitions
        (see :func:`recidive.adjusted_rates`).
    by : str
        The person column whose levels form the trend: ``"exit_year"`` (the calendar year
        of the start of the observation period), or any other, the user's own included.
    criteria : sequence of str
        Recidivism criteria; each gets its own rows.
    horizons : sequence of float
        Horizons in years (the monitor's trend is the 2-year rate).
    covariates : sequence of str, optional
        Person columns corrected for; default ``defaults.TREND_COVARIATES``: sex, age at
        the index offence, prior cases and exploitation form. A covariate with one value in
        the cohort (a cohort of one exploitation form) is left out; the result's
        ``covariates`` says which were used.
    method : {"direct", "indirect"}
        See :func:`recidive.adjusted_rates`.
    reference : optional
        None (all persons) or one level of ``by`` (a base year).
    ties : {"efron", "breslow"}
    conf_level : float

    Returns
    -------
    AdjustedRates
        ``to_frame()``: ``criterion``, ``by``, ``horizon_years, n, observed_rate,
        expected_rate, adjusted_rate, std_err, ci_lower, ci_upper, status``.

    Examples
    --------
    >>> import recidive as rc
    >>> cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=2000, seed=1))
    >>> trend = rc.recidivism_trends(cohort)
    >>> trend.to_frame().columns[:3].tolist()
    ['criterion', 'exit_year', 'horizon_years']
    """
    criteria = check_names(criteria, "criteria", cohort.criteria)
    if not isinstance(by, str) or by not in cohort.persons.columns:
        raise ArgumentError(
            f"by must be one person column of the cohort; got {by!r}; choose from "
            f"{list(cohort.persons.columns)}"
        )
    used = _covariates(cohort.persons, covariates, by)
    tables, result = [], None
    for criterion in criteria:
        frame = cohort.survival_frame(criterion)
        result = adjusted_rates(
            frame,
            "days",
            "event",
            by,
            used,
            horizons,
            "days",
            method,
            reference,
            ties,
            conf_level,
        )
        table = result.to_frame()
        table.insert(0, "criterion", criterion)
        tables.append(table)
    return AdjustedRates(
        pd.concat(tables, ignore_index=True),
        by,
        tuple(used),
        method,
        reference,
        ties,
        result.conf_level,
        "days",
    )


def _covariates(persons: pd.DataFrame, covariates, by: str) -> list[str]:
    """The covariates to correct for: known columns, those with one value left out."""
    chosen = (
        []
        if covariates is None
        else [covariates]
        if isinstance(covariates, str)
        else list(covariates)
    )
    missing = [c for c in chosen if c not in persons.columns]
    if missing:
        raise ArgumentError(
            f"covariates {missing} not in cohort.persons; choose from {list(persons.columns)}"
        )
    if by in chosen:
        raise ArgumentError(f"by {by!r} is also among the covariates; drop it from them")
    distinct = persons[chosen].nunique(dropna=False) if chosen else pd.Series(dtype=int)
    if _engines.is_distributed(persons):
        distinct = distinct.compute()
    used = [c for c in chosen if distinct[c] > 1]
    if not used:
        raise ArgumentError(
            f"none of the covariates {chosen} varies in the cohort: there is nothing to "
            "adjust for; use rc.recidivism_rates(cohort, by=[...]) for the observed rates"
        )
    return used

"""The numbers of the section's trend block: recidivism by year of exit, observed and adjusted.

The Recidivemonitor shows the recidivism of successive exit cohorts ("uitstroomjaar") as
observed and as corrected for the cohorts' composition. This step estimates both at the
trend horizon (2 years) when the cohort spans at least :data:`MIN_EXIT_YEARS` exit years
followed that long, and applies the disclosure policy before anything is formatted:

- the exit years followed to the horizon form a partition of their persons (a later year
  has no 2-year rate, and its persons would stop every year's curve under R5); their
  observed rates are published with :func:`~recidive.report.safe_rates.publish_rates`
  (rules R1-R5: groups, reoffenders and persons at risk of at least ``min_cell``, the
  hidden years together too). The block publishes no group sizes: the years' sizes
  against the cohort's would give the later years' size;
- the adjusted rate of a year is published only where its observed rate is: observed,
  expected and reference rates reveal each other (the indirect method's adjusted rate is
  observed - expected + reference), so they are suppressed together. The model is fitted
  on the persons of the published years only (the reference population of the direct
  standardisation), so no hidden year's persons enter a published number.

A model that cannot be fitted (too few reoffenders per year, a warning of non-convergence)
leaves the adjusted rates out with a note; the observed ones stay.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive import defaults
from recidive.errors import ArgumentError, ConvergenceWarning, InsufficientFollowUpWarning
from recidive.estimation.horizon_rates import survival_rates
from recidive.report.disclosure import RATE_DECIMALS, SUPPRESSED_STATUS
from recidive.report.safe_rates import publish_rates
from recidive.trends import recidivism_trends

#: Horizon (years) of the trend: the monitor's 2-year recidivism.
TREND_HORIZON: float = 2.0
#: The trend block is shown when at least this many exit years are followed that long and
#: published.
MIN_EXIT_YEARS: int = 3
_VALUES = ("rate", "ci_lower", "ci_upper")


@dataclass(frozen=True)
class TrendContent:
    """Published trend numbers: one row per (exit year, measure).

    ``rows``: ``exit_year, measure`` (``"observed"`` or ``"adjusted"``), ``rate,
    ci_lower, ci_upper, status, suppressed`` (hidden cells NaN, as the other tables; no
    group sizes). Only exit years followed to the horizon have rows.
    ``covariates`` the columns corrected for; ``adjusted`` whether the model was fitted.
    """

    rows: pd.DataFrame
    covariates: tuple[str, ...]
    horizon_years: float
    conf_level: float
    adjusted: bool
    notes: tuple[str, ...] = ()


def trend_content(
    cohort,
    min_cell: int = defaults.MIN_CELL,
    conf_type: str = defaults.CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
) -> TrendContent | None:
    """The trend block's safe numbers, or None when fewer than three exit years qualify.

    A year qualifies when it is followed to the horizon and its observed rate is published
    (a block of × only would say nothing).

    Examples
    --------
    >>> import recidive as rc
    >>> cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=3000, seed=1))
    >>> trend = trend_content(cohort)
    >>> trend.rows.columns.tolist()[:3]
    ['exit_year', 'measure', 'n']
    """
    if "exit_year" not in cohort.persons.columns:
        return None
    conf = {"conf_type": conf_type, "conf_level": conf_level}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientFollowUpWarning)
        exact = _rates(cohort.survival_frame("general"), conf)
        years = exact[exact["exit_year"].astype(str) != "all"]
        followed = years.loc[years["status"] == "ok", "exit_year"].astype(int).tolist()
        if len(followed) < MIN_EXIT_YEARS:
            return None
        # the partition is the years followed to the horizon (the later ones have no rate)
        view = _CohortView(cohort, cohort.persons[cohort.persons["exit_year"].isin(followed)])
        exact = _rates(view.survival_frame("general"), conf)
    observed = publish_rates(exact, min_cell, by=["exit_year"], horizons=(TREND_HORIZON,))
    rows = observed.frame[observed.frame["exit_year"].astype(str) != "all"].copy()
    rows["exit_year"] = rows["exit_year"].astype(int)
    published = rows.loc[rows["status"] == "ok", "exit_year"].tolist()
    if len(published) < MIN_EXIT_YEARS:  # no trend to show after disclosure control
        return None
    adjusted, covariates, notes = _adjusted(view, published, conf_level)
    table = _long(rows, adjusted)
    return TrendContent(
        table, covariates, TREND_HORIZON, conf_level, adjusted is not None, observed.notes + notes
    )


def _rates(frame: pd.DataFrame, conf: dict) -> pd.DataFrame:
    """Exact general recidivism at the trend horizon by exit year, with the total row."""
    table = survival_rates(
        frame, "days", "event", by=["exit_year"], horizons=(TREND_HORIZON,), **conf
    )
    return table.to_frame()


def _adjusted(cohort, published: list[int], conf_level: float):
    """Adjusted 2-year rates of the published exit years (None when the model fails)."""
    if len(published) < 2:
        return None, (), ("adjusted: fewer than two exit years published",)
    persons = cohort.persons
    view = _CohortView(cohort, persons[persons["exit_year"].isin(published)])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            warnings.simplefilter("ignore", InsufficientFollowUpWarning)
            trend = recidivism_trends(view, horizons=(TREND_HORIZON,), conf_level=conf_level)
    except (ArgumentError, ConvergenceWarning, np.linalg.LinAlgError) as error:
        return None, (), (f"adjusted: model not estimable ({error})",)
    return trend.to_frame(), trend.covariates, ()


@dataclass(frozen=True)
class _CohortView:
    """The cohort restricted to some persons (what ``recidivism_trends`` reads of it)."""

    cohort: object
    persons: pd.DataFrame

    def __post_init__(self) -> None:
        object.__setattr__(self, "persons", self.persons.reset_index(drop=True))

    @property
    def criteria(self):
        return self.cohort.criteria

    def survival_frame(self, criterion: str) -> pd.DataFrame:
        frame = self.persons.drop(
            columns=[f"{c}_{p}" for c in self.criteria for p in ("days", "event")]
        )
        frame["days"] = self.persons[f"{criterion}_days"]
        frame["event"] = self.persons[f"{criterion}_event"]
        return frame


def _long(observed: pd.DataFrame, adjusted: pd.DataFrame | None) -> pd.DataFrame:
    """One observed and one adjusted row per exit year; adjusted hidden with the observed."""
    out = []
    for row in observed.itertuples(index=False):
        base = {"exit_year": int(row.exit_year)}
        keep = {c: getattr(row, c) for c in (*_VALUES, "status")}
        # no group sizes: fewer published counts (the years' N minus the cohort's N)
        keep["suppressed"] = ",".join(c for c in str(row.suppressed).split(",") if c != "n")
        out.append({**base, "measure": "observed", **keep})
        adj = {"measure": "adjusted", **dict.fromkeys(_VALUES, np.nan)}
        if row.status == SUPPRESSED_STATUS:
            adj.update(status=SUPPRESSED_STATUS, suppressed=",".join(_VALUES))
        elif row.status != "ok" or adjusted is None:
            status = "insufficient_follow_up" if row.status != "ok" else "not_estimable"
            adj.update(status=status, suppressed="")
        else:
            match = adjusted[adjusted["exit_year"] == row.exit_year].iloc[0]
            names = {"rate": "adjusted_rate", "ci_lower": "ci_lower", "ci_upper": "ci_upper"}
            rounded = {c: round(float(match[names[c]]), RATE_DECIMALS) for c in _VALUES}
            adj.update(rounded, status=str(match["status"]), suppressed="")
        out.append({**base, **adj})
    columns = ["exit_year", "measure", *_VALUES, "status", "suppressed"]
    return pd.DataFrame(out, columns=columns)

"""``reoffending_frequency``: how often a cohort reoffends, per offender and per recidivist.

Whether someone reoffends is one half of the Recidivemonitor's picture; how often is the
other ("frequentie": new cases per 100 offenders, per recidivist). Counting the cases of
each person by hand ignores that follow-up differs between persons; the mean cumulative
function (MCF) handles it as Kaplan-Meier does for the first reoffence.

The event history of a criterion (:func:`case_history`) comes from the cohort itself: each
person is followed over ``(0, followup_days]`` on the cohort's clock, and every counted
case of the criterion is one event on the day of the case (``cases.days``). A case with
several offence rows counts once; two cases on one day count twice. The clock is the
cohort's: calendar days since the start of the observation period, or, with
``CohortRules(remove_detention_time=True)``, days at liberty (the detentions left out, so
that the horizon is ``h`` years at liberty). An offence during a detention counts as
the cohort counts it (on the compressed clock at the last day at liberty before it, day 0
when the detention was running at the start).

Per year at liberty: with ``remove_detention_time`` the horizon ``h`` is ``h`` years at
liberty, and ``per_year_at_liberty = mcf / h`` is the mean number of counted cases per
year at liberty within the first ``h`` years at liberty. On the calendar clock detention
time is part of the horizon and the column is NaN.

Estimation: :mod:`recidive.estimation.recurrent_horizons` (the MCF with Lawless-Nadeau
errors, the frequency per recidivist with an interval from the joint influence functions,
and the Ghosh-Lin mean frequency with death as a terminal event as the sensitivity).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from recidive import defaults
from recidive._arguments import check_horizons, check_names
from recidive._version import __version__
from recidive.cohort import Cohort, criterion_rows
from recidive.errors import ArgumentError
from recidive.estimation.horizon_rates import OVERALL
from recidive.estimation.mean_cumulative import check_mcf_conf
from recidive.estimation.recurrent_horizons import frequency_at_horizons
from recidive.validation import positions

#: Columns of :meth:`FrequencyTable.to_frame` after ``criterion`` and the ``by`` columns.
FREQUENCY_COLUMNS: tuple[str, ...] = (
    "horizon_years",
    "n",
    "mcf",
    "per_100",
    "per_recidivist",
    "per_year_at_liberty",
    "std_err",
    "ci_lower",
    "ci_upper",
    "per_recidivist_std_err",
    "per_recidivist_ci_lower",
    "per_recidivist_ci_upper",
    "share_recidivists",
    "mcf_death_terminal",
    "status",
)
OK, INSUFFICIENT = "ok", "insufficient_follow_up"


@dataclass(frozen=True, eq=False)
class FrequencyTable:
    """Reoffending frequency at horizons (immutable); see :func:`reoffending_frequency`.

    Attributes
    ----------
    by : tuple of str
        Grouping person columns.
    horizons : tuple of float
        Years.
    clock : str
        ``"calendar"`` (days since the start of follow-up) or ``"time_at_liberty"``
        (``remove_detention_time``: days at liberty).
    conf_type, conf_level
        Of the intervals of ``mcf`` and ``per_recidivist``.
    """

    _frame: pd.DataFrame = field(repr=False)
    by: tuple[str, ...]
    horizons: tuple[float, ...]
    clock: str
    conf_type: str
    conf_level: float
    version: str = __version__

    @property
    def metadata(self) -> dict:
        """What a report needs to describe the estimate."""
        return {
            "estimator": "mean_cumulative_function",
            "variance": "lawless_nadeau",
            "per_recidivist_variance": "joint_influence_functions",
            "death": "censored; mcf_death_terminal: Ghosh-Lin, death terminal",
            "clock": self.clock,
            "conf_type": self.conf_type,
            "conf_level": self.conf_level,
            "version": self.version,
        }

    def to_frame(self) -> pd.DataFrame:
        """``criterion``, the ``by`` columns, then :data:`FREQUENCY_COLUMNS` (a copy)."""
        return self._frame.copy()

    def _repr_html_(self) -> str:
        return (
            f"<p><b>Reoffending frequency</b> (mean cumulative function, {self.clock} clock, "
            f"{self.conf_level:.0%} CI {self.conf_type})</p>" + self._frame._repr_html_()
        )


def case_history(cohort: Cohort, criterion: str = "general") -> pd.DataFrame:
    """The counted cases of a criterion as events on the cohort's clock, one per case.

    Returns
    -------
    pandas.DataFrame
        ``person_id, days, n_cases``: per person and day (days since the start of
        follow-up on the cohort's clock, as ``cohort.cases.days``) the number of distinct
        counted cases of the criterion; sorted by person, then day.

    Examples
    --------
    >>> import recidive as rc
    >>> from recidive.episodes import _example
    >>> _, cohort = _example()
    >>> case_history(cohort).values.tolist()
    [[1, 60, 1], [1, 400, 1]]
    """
    cohort._check_criterion(criterion)
    cases = cohort.cases.loc[criterion_rows(criterion, cohort.cases, cohort.rules)]
    one = cases.drop_duplicates(["person_id", "case_id"])
    counted = one.groupby(["person_id", "days"], sort=True).size()
    return counted.rename("n_cases").reset_index()


def reoffending_frequency(
    cohort: Cohort,
    criteria: Sequence[str] = ("general",),
    horizons: Sequence[float] = defaults.HORIZONS_YEARS,
    by: Sequence[str] | str | None = None,
    conf_type: str = defaults.MCF_CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
) -> FrequencyTable:
    """Mean number of counted reoffences (new cases) per offender within each horizon.

    The mean cumulative function of the counted cases of each criterion at each horizon
    (censoring at the end of follow-up, death and emigration handled as by Kaplan-Meier),
    per 100 offenders, per recidivist and, when the cohort's rules remove detention time,
    per year at liberty.

    Parameters
    ----------
    cohort : Cohort
        From :func:`recidive.build_cohort`.
    criteria : sequence of str
        Which counted cases count (``"general"``: all; an offence category; ``"serious"``,
        ``"very_serious"``).
    horizons : sequence of float
        Years (365.25 days; on the compressed clock years at liberty).
    by : str or sequence of str, optional
        Person columns to group by (e.g. ``"age_group"``); every criterion also gets its
        overall rows (``"all"`` in the ``by`` columns), first.
    conf_type : {"log", "plain"}
        Interval of ``mcf`` and ``per_recidivist``.
    conf_level : float
        Confidence level.

    Returns
    -------
    FrequencyTable
        ``to_frame()``: ``criterion``, the ``by`` columns, ``horizon_years``, ``n``
        (persons), ``mcf`` (mean number of counted cases per offender), ``per_100``
        (``100 mcf``), ``per_recidivist`` (``mcf / share_recidivists``: per offender with
        at least one counted case within the horizon), ``per_year_at_liberty`` (``mcf /
        horizon_years`` on the compressed clock, else NaN), ``std_err``, ``ci_lower``,
        ``ci_upper`` (of ``mcf``), ``per_recidivist_std_err``,
        ``per_recidivist_ci_lower``, ``per_recidivist_ci_upper``, ``share_recidivists``
        (Kaplan-Meier ``1 - S``), ``mcf_death_terminal`` (Ghosh-Lin: death ends the
        process instead of censoring it; a sensitivity) and ``status``. Past a group's
        follow-up every estimate is NaN with status ``insufficient_follow_up``.

    Examples
    --------
    >>> import recidive as rc
    >>> cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=2000, seed=1))
    >>> freq = rc.reoffending_frequency(cohort, horizons=(2, 5))
    >>> freq.to_frame()[["criterion", "horizon_years", "per_100", "status"]].round(1)
      criterion  horizon_years  per_100 status
    0   general            2.0     47.8     ok
    1   general            5.0    115.2     ok
    """
    if not isinstance(cohort, Cohort):
        raise ArgumentError(
            "reoffending_frequency needs an in-memory Cohort (from build_cohort on a "
            f"Registry), not {type(cohort).__name__}"
        )
    criteria = check_names(criteria, "criteria", cohort.criteria)
    years = check_horizons(horizons)
    conf_type, conf_level = check_mcf_conf(conf_type, conf_level)
    by = [by] if isinstance(by, str) else list(by or ())
    missing = [c for c in by if c not in cohort.persons.columns]
    if missing:
        raise ArgumentError(
            f"by columns {missing} not in cohort.persons; choose from "
            f"{list(cohort.persons.columns)}"
        )
    at_liberty = cohort.rules.remove_detention_time
    frames = [
        _criterion_frame(cohort, c, years, by, conf_type, conf_level, at_liberty) for c in criteria
    ]
    return FrequencyTable(
        pd.concat(frames, ignore_index=True),
        by=tuple(by),
        horizons=tuple(float(h) for h in years),
        clock="time_at_liberty" if at_liberty else "calendar",
        conf_type=conf_type,
        conf_level=conf_level,
    )


def _groups(persons: pd.DataFrame, by: list[str]):
    """(label, person mask) pairs: everyone first, then each group in sorted order."""
    everyone = np.ones(len(persons), dtype=bool)
    yield (OVERALL,) * len(by), everyone
    if not by:
        return
    for label, index in persons.groupby(by, observed=True, sort=True).indices.items():
        mask = np.zeros(len(persons), dtype=bool)
        mask[index] = True
        yield (label if isinstance(label, tuple) else (label,)), mask


def _criterion_frame(cohort, criterion, years, by, conf_type, conf_level, at_liberty):
    persons = cohort.persons
    history = case_history(cohort, criterion)
    pos = positions(persons["person_id"], history["person_id"])
    if (pos < 0).any():  # cases of persons taken out of the cohort's persons
        history, pos = history[pos >= 0], pos[pos >= 0]
    followup = persons["followup_days"].to_numpy(dtype=np.int64)
    death = (persons["end_reason"] == "death").to_numpy()
    days = history["days"].to_numpy(dtype=np.int64)
    n_cases = history["n_cases"].to_numpy(dtype=np.int64)
    horizon_days = years * defaults.DAYS_PER_YEAR
    rows = []
    for label, mask in _groups(persons, by):
        index = np.flatnonzero(mask)
        renumber = np.full(len(persons), -1)
        renumber[index] = np.arange(index.size)
        mine = mask[pos]
        out = frequency_at_horizons(
            followup[index], renumber[pos[mine]], days[mine], n_cases[mine], death[index],
            horizon_days, conf_type, conf_level,
        )  # fmt: skip
        frame = pd.DataFrame({name: out[name] for name in _ESTIMATES})
        frame.insert(0, "n", index.size)
        frame.insert(0, "horizon_years", years)
        for column, value in zip(by, label, strict=True):
            frame[column] = value
        rows.append(frame)
    frame = pd.concat(rows, ignore_index=True)
    frame["per_100"] = 100.0 * frame["mcf"]
    years = frame["horizon_years"].where(frame["horizon_years"] > 0)  # none at horizon 0
    frame["per_year_at_liberty"] = frame["mcf"] / years if at_liberty else np.nan
    frame["status"] = np.where(frame["mcf"].isna(), INSUFFICIENT, OK)
    frame.insert(0, "criterion", criterion)
    return frame[["criterion", *by, *FREQUENCY_COLUMNS]]


#: The columns computed after the estimates (the rest come from ``frequency_at_horizons``).
_DERIVED = ("horizon_years", "n", "per_100", "per_year_at_liberty", "status")
_ESTIMATES = tuple(c for c in FREQUENCY_COLUMNS if c not in _DERIVED)

"""``CohortRules``: the policy that turns a registry into a cohort.

The defaults follow the Dutch standard for recidivism measurement (WODC
Recidivemonitor), as used by the *Dadermonitor mensenhandel*: follow-up starts at
release from the index custody, only crimes (misdrijven) count, acquittals,
technical dismissals and discharges never count, and follow-up is censored at
death, emigration and the data cut-off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from numbers import Integral, Real
from typing import Any

import pandas as pd

from recidive import schema
from recidive._arguments import check_date, check_names, shown
from recidive.errors import ArgumentError
from recidive.population import check_population

_STARTS = ("release", "disposal")
_MAX_AGE_YEARS = 120  # an age cut at or above it is not an age


@dataclass(frozen=True)
class CohortRules:
    """Which reoffences count, when the clock starts and when it stops.

    Parameters
    ----------
    cutoff_date : date-like or None, default None
        Data cut-off of the analysis. None means the registry's cut-off (every registry
        has one; it is never guessed from the data). An earlier date ends follow-up
        there; a later one is refused by ``build_cohort``.
    start : {"release", "disposal"}, default "release"
        ``"release"``: follow-up starts at ``index_release_date`` where there is one,
        else at ``index_disposal_date``. ``"disposal"``: always at the disposal date.
    crimes_only : bool, default True
        Count crimes (misdrijven) only, not misdemeanours (overtredingen).
    excluded_disposals : tuple of str, default ``schema.NON_COUNTING_DISPOSALS``
        Disposals that never make a case count (acquittal, technical dismissal,
        discharge).
    censor_at_death, censor_at_emigration : bool, default True
        End follow-up at death / emigration.
    remove_detention_time : bool, default False
        Stop the clock while a person is detained: days at risk are calendar days
        minus the days in detention (``detentions`` table) inside the window.
    registration_lag_days : int, default 0
        Follow-up ends this many days before the cut-off, so that offences
        committed just before the cut-off have had time to reach the registry.
    criteria : tuple of str, default ``schema.CRITERIA``
        Criteria to compute: ``general``, one per offence category, ``serious``,
        ``very_serious``.
    serious_min_penalty_years, very_serious_min_penalty_years : float, default 4.0, 8.0
        Statutory maximum penalty (years) from which a case is serious / very serious.
    age_breaks : tuple of int, default ``schema.DEFAULT_AGE_BREAKS``
        Lower bounds (completed years at the index offence) of every band but the first.
    age_labels : tuple of str, default ``schema.DEFAULT_AGE_BANDS``
        One label per band, ``len(age_breaks) + 1`` of them.
    monitor_age_cut : int, default 23
        The monitor's split into ``<23`` and ``23+``.
    population : dict, optional
        The persons the study is about: a mapping from a ``persons`` column to the values
        kept, e.g. ``{"exploitation_form": ["binnenlands_seksueel"]}`` (the offenders of
        domestic sexual exploitation, the seed's population); with several columns a person
        must match each. None (default) keeps everyone. The others are counted in the
        attrition (``outside_population``). Stored as ``{column: (value, ...)}``. Checked
        here (a mapping of names to non-empty lists; codes of a coded column) and by
        ``build_cohort`` against the registry: an unknown column, or a selection that keeps
        nobody, is an ``ArgumentError``; a value that no person has warns
        (``PopulationWarning``). See :mod:`recidive.population`.

    Raises
    ------
    recidive.errors.ArgumentError
        For an argument that makes no sense (unknown criterion, labels not matching
        breaks, negative lag, ...).

    Examples
    --------
    >>> from recidive import CohortRules
    >>> rules = CohortRules(registration_lag_days=90, criteria=("general", "violence"))
    >>> rules.to_dict()["registration_lag_days"]
    90
    >>> CohortRules(population={"exploitation_form": ["binnenlands_seksueel"]}).population
    {'exploitation_form': ('binnenlands_seksueel',)}
    >>> CohortRules(start="arrest")
    Traceback (most recent call last):
    ...
    recidive.errors.ArgumentError: start must be one of 'release', 'disposal', not 'arrest'
    """

    cutoff_date: Any = None
    start: str = "release"
    crimes_only: bool = True
    excluded_disposals: tuple[str, ...] = schema.NON_COUNTING_DISPOSALS
    censor_at_death: bool = True
    censor_at_emigration: bool = True
    remove_detention_time: bool = False
    registration_lag_days: int = 0
    criteria: tuple[str, ...] = schema.CRITERIA
    serious_min_penalty_years: float = schema.SERIOUS_MIN_PENALTY_YEARS
    very_serious_min_penalty_years: float = schema.VERY_SERIOUS_MIN_PENALTY_YEARS
    age_breaks: tuple[int, ...] = schema.DEFAULT_AGE_BREAKS
    age_labels: tuple[str, ...] = schema.DEFAULT_AGE_BANDS
    monitor_age_cut: int = schema.MONITOR_AGE_CUT_YEARS
    # a dict: left out of the hash (equal rules still hash equal)
    population: dict[str, tuple[Any, ...]] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "population", check_population(self.population))
        set_(self, "cutoff_date", check_date(self.cutoff_date, "cutoff_date"))
        if self.start not in _STARTS:
            raise ArgumentError(
                f"start must be one of 'release', 'disposal', not {shown(self.start)}"
            )
        for name in (
            "crimes_only",
            "censor_at_death",
            "censor_at_emigration",
            "remove_detention_time",
        ):
            if not isinstance(getattr(self, name), bool):
                raise ArgumentError(
                    f"{name} must be True or False, not {shown(getattr(self, name))}"
                )
        set_(
            self,
            "excluded_disposals",
            check_names(
                self.excluded_disposals, "excluded_disposals", schema.DISPOSALS, allow_empty=True
            ),
        )
        set_(
            self,
            "criteria",
            check_names(self.criteria, "criteria", schema.CRITERIA, allow_empty=True),
        )
        if not self.criteria:
            raise ArgumentError("criteria must name at least one criterion")
        lag = self.registration_lag_days
        if isinstance(lag, bool) or not isinstance(lag, Integral) or lag < 0:
            raise ArgumentError(
                f"registration_lag_days must be a whole number of days >= 0, not {shown(lag)}"
            )
        set_(self, "registration_lag_days", int(lag))
        serious = _check_positive("serious_min_penalty_years", self.serious_min_penalty_years)
        very = _check_positive(
            "very_serious_min_penalty_years", self.very_serious_min_penalty_years
        )
        if very < serious:
            raise ArgumentError(
                f"very_serious_min_penalty_years ({very:g}) must be >= "
                f"serious_min_penalty_years ({serious:g})"
            )
        set_(self, "serious_min_penalty_years", serious)
        set_(self, "very_serious_min_penalty_years", very)
        _check_age_bands(self)

    @property
    def age_group_labels(self) -> tuple[str, str]:
        """Labels of the monitor's two age groups, e.g. ``("<23", "23+")``."""
        return (f"<{self.monitor_age_cut}", f"{self.monitor_age_cut}+")

    def to_dict(self) -> dict[str, Any]:
        """The rules as plain JSON-ready values (for a report's method box).

        Examples
        --------
        >>> from recidive import CohortRules
        >>> CohortRules(cutoff_date="2022-12-31").to_dict()["cutoff_date"]
        '2022-12-31'
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, pd.Timestamp):
                value = value.date().isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, dict):
                value = {k: list(v) for k, v in value.items()}
            out[f.name] = value
        return out


def _check_positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ArgumentError(f"{name} must be a positive number of years, not {shown(value)}")
    if value <= 0:
        raise ArgumentError(f"{name} must be a positive number of years, not {shown(value)}")
    return float(value)


def _check_age_bands(rules: CohortRules) -> None:
    breaks, labels = rules.age_breaks, rules.age_labels
    try:
        breaks, labels = tuple(breaks), tuple(labels)
    except TypeError:
        raise ArgumentError("age_breaks and age_labels must be lists") from None
    ok = all(isinstance(b, Real) and not isinstance(b, bool) and b > 0 for b in breaks)
    if not breaks or not ok or any(b <= a for a, b in zip(breaks, breaks[1:], strict=False)):
        raise ArgumentError(
            f"age_breaks must be increasing positive ages in years, not {shown(rules.age_breaks)}"
        )
    if len(labels) != len(breaks) + 1:
        raise ArgumentError(
            f"age_labels must have one label per band, len(age_breaks) + 1 = "
            f"{len(breaks) + 1}, not {len(labels)}"
        )
    if len(set(labels)) != len(labels) or not all(isinstance(x, str) for x in labels):
        raise ArgumentError(f"age_labels must be distinct strings, not {shown(rules.age_labels)}")
    cut = rules.monitor_age_cut
    if isinstance(cut, bool) or not isinstance(cut, Real) or not 0 < cut < _MAX_AGE_YEARS:
        raise ArgumentError(f"monitor_age_cut must be an age in years, not {shown(cut)}")
    object.__setattr__(rules, "age_breaks", breaks)
    object.__setattr__(rules, "age_labels", labels)

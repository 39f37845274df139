"""``build_cohort``: from a validated registry to one survival record per person.

The policy lives in :class:`recidive.CohortRules`; this module applies it, in
vectorised numpy (no loop over persons), and accounts for every person and every
case row that came in (``Cohort.attrition``).

Definitions (DESIGN section 3)
    *Population*: with ``rules.population``, the persons outside it are excluded first
    (:mod:`recidive.population`).
    *Start* of follow-up: ``index_release_date`` where there is one, else
    ``index_disposal_date`` (``rules.start="disposal"``: always the disposal date).
    *End*: the cut-off minus ``registration_lag_days``, or earlier at death or
    emigration when the rules censor there; ``end_reason`` is ``death`` or
    ``emigration`` when that date is on or before the cut-off end (death wins a tie).
    A person whose start is on or after the end (released after the cut-off, died or
    emigrated before release), or who has no day at risk outside detention, is
    excluded and counted in the attrition.
    *Cut-off*: the registry's or the rules' earlier one (:mod:`recidive.cutoff`). Case
    rows committed after it are excluded first (``offence_after_cutoff``).
    *Counted case rows*: a crime (if ``crimes_only``), a disposal not in
    ``excluded_disposals``, an offence date strictly after the start and on or before
    the end of follow-up. A case is dated by the earliest offence date among its
    counted rows (``case_date``) and holds the offence categories and the largest
    statutory maximum of those rows.
    *Criteria*: the first counted case of the person (``general``), the first counted
    case holding an offence of a category (one criterion per category; they overlap),
    the first counted case with a statutory maximum of at least
    ``serious_min_penalty_years`` (``serious``) or ``very_serious_min_penalty_years``.
    *Days* are whole days between dates; with ``remove_detention_time`` the days in
    detention (a detention covers the days ``[start, end)``) between the start and
    the event or end are not at risk and are left out.
    *Age* at the index offence: ``age_at_index`` is days / 365.25; the age bands use
    completed years (a person is 23 from their 23rd birthday on).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive import _engines, schema
from recidive.cutoff import check_someone_followed, resolve_cutoff
from recidive.errors import ArgumentError
from recidive.population import check_selection, population_mask, population_reason, values_found
from recidive.registry import Registry
from recidive.rules import CohortRules
from recidive.validation import positions

_NEVER = np.int64(10**7)  # a day number later than any date pandas can hold
_END_REASONS = ("cut_off", "death", "emigration")
_DEATH, _EMIGRATION = _END_REASONS.index("death"), _END_REASONS.index("emigration")


@dataclass(frozen=True, eq=False)
class Cohort:
    """One survival record per analysed person, with the attrition that led to it.

    Made by :func:`build_cohort`; see ``docs/internals.md`` (Contract: ``Cohort``).

    Attributes
    ----------
    persons : pandas.DataFrame
        One row per analysed person: ``person_id, sex, birth_date, age_at_index,
        age_band, age_group, exploitation_form, prior_cases, start_date, end_date,
        end_reason, followup_days, exit_year`` (the calendar year of ``start_date``, the
        start of the observation period) and for each criterion ``c`` ``{c}_days`` (int64)
        and ``{c}_event`` (int8, 1 = event).
    attrition : pandas.DataFrame
        ``table, step, n_before, n_after, n_excluded, reason``: for ``persons`` and for
        ``cases`` a ``read`` row and one row per exclusion step, in this order (steps
        of rules that are off are left out). Persons: ``outside_population``,
        ``died_before_start``,
        ``emigrated_before_start``, ``start_after_end``, ``no_time_at_risk``. Cases:
        ``offence_after_cutoff``, ``person_excluded``, ``not_a_crime``,
        ``disposal_not_counting``, ``offence_before_start``, ``offence_after_end``. ``reason`` is English text;
        translate by ``step``.
    cases : pandas.DataFrame
        The counted case rows, with ``start_date``, ``case_date`` and ``days`` (days at
        risk from the start to ``case_date``).
    rules : CohortRules
    cutoff_date : pandas.Timestamp
        The data cut-off used (before any registration lag).
    fingerprint : str
        The registry's fingerprint.
    criteria : tuple of str
    """

    persons: pd.DataFrame
    attrition: pd.DataFrame
    cases: pd.DataFrame
    rules: CohortRules
    cutoff_date: pd.Timestamp
    fingerprint: str
    criteria: tuple[str, ...]

    def survival_frame(self, criterion: str = "general") -> pd.DataFrame:
        """Every person column but the criteria's outcomes, plus ``days`` and ``event`` of one.

        Columns added to ``persons`` by the user come along, so that rates, trends and models
        can be stratified or adjusted by them.

        Examples
        --------
        >>> import recidive as rc
        >>> from recidive._examples import example_registry
        >>> cohort = rc.build_cohort(example_registry())
        >>> cohort.survival_frame("general")[["person_id", "days", "event"]]
           person_id  days  event
        0          1    60      1
        1          2   914      0
        """
        self._check_criterion(criterion)
        outcomes = {f"{c}_{part}" for c in self.criteria for part in ("days", "event")}
        # every person column but the outcomes: the built-in covariates and any column the
        # user added to ``persons`` (a region, a risk score) to stratify or adjust by
        frame = self.persons.loc[:, [c for c in self.persons.columns if c not in outcomes]]
        frame["days"] = self.persons[f"{criterion}_days"]
        frame["event"] = self.persons[f"{criterion}_event"]
        return frame

    def survival_long(self, criteria: list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:
        """Survival frames of several criteria stacked, with a leading ``criterion`` column.

        Examples
        --------
        >>> import recidive as rc
        >>> from recidive._examples import example_registry
        >>> cohort = rc.build_cohort(example_registry())
        >>> long = cohort.survival_long(["general", "property"])
        >>> long[["criterion", "person_id", "days", "event"]]
          criterion  person_id  days  event
        0   general          1    60      1
        1   general          2   914      0
        2  property          1    60      1
        3  property          2   914      0
        """
        criteria = self.criteria if criteria is None else tuple(criteria)
        if isinstance(criteria, str):
            criteria = (criteria,)
        frames = [self.survival_frame(c) for c in criteria]
        long = pd.concat(frames, ignore_index=True) if frames else self.survival_frame()[:0]
        names = np.repeat(np.arange(len(criteria)), len(self.persons))
        long.insert(0, "criterion", pd.Categorical.from_codes(names, categories=list(criteria)))
        return long

    def _check_criterion(self, criterion: str) -> None:
        if criterion not in self.criteria:
            raise ArgumentError(
                f"criterion {criterion!r} is not in this cohort; use one of "
                f"{', '.join(self.criteria)} (or add it to CohortRules.criteria)"
            )


def build_cohort(registry: Registry, rules: CohortRules | None = None) -> Cohort:
    """Apply cohort rules to a registry: start, end, counted reoffences, criteria.

    Parameters
    ----------
    registry : Registry or DaskRegistry
        Validated registry tables. A :class:`recidive.dask.DaskRegistry` (tables
        as Dask DataFrames or Parquet datasets) gives a
        :class:`recidive.dask.DaskCohort` with the same rows, attrition and rates,
        built partition by partition (see :mod:`recidive.dask.cohort`).
    rules : CohortRules, optional
        The policy; ``CohortRules()`` (the Dutch standard) when omitted.

    Returns
    -------
    Cohort
        (a :class:`recidive.dask.DaskCohort` for a ``DaskRegistry``)

    Raises
    ------
    recidive.errors.ArgumentError
        When ``rules.cutoff_date`` is later than the registry's own cut-off, and when no
        person is left (the message names the cut-off when it is on or before the start
        of everyone's follow-up).

    Examples
    --------
    >>> import recidive as rc
    >>> from recidive._examples import example_registry
    >>> cohort = rc.build_cohort(example_registry())
    >>> cohort.persons[["person_id", "start_date", "end_date", "followup_days"]]
       person_id start_date   end_date  followup_days
    0          1 2016-01-01 2017-12-31            730
    1          2 2015-07-01 2017-12-31            914
    >>> print(cohort.attrition[["table", "step", "n_excluded"]].to_string(index=False))
      table                   step  n_excluded
    persons                   read           0
    persons      died_before_start           0
    persons emigrated_before_start           0
    persons        start_after_end           0
      cases                   read           0
      cases   offence_after_cutoff           0
      cases        person_excluded           0
      cases            not_a_crime           0
      cases  disposal_not_counting           1
      cases   offence_before_start           1
      cases      offence_after_end           0
    """
    if _engines.is_distributed(registry):
        return _engines.implementation("build_cohort")(registry, rules)
    rules = CohortRules() if rules is None else rules
    if not isinstance(registry, Registry):
        raise ArgumentError(f"registry must be a recidive.Registry, not {type(registry).__name__}")
    if not isinstance(rules, CohortRules):
        raise ArgumentError(f"rules must be a recidive.CohortRules, not {type(rules).__name__}")
    persons = registry._persons
    check_selection(rules.population, persons.columns, values_found(persons, rules.population))
    cohort = apply_rules(registry, rules)
    check_someone_followed(cohort.attrition, cohort.cutoff_date, cohort.rules.registration_lag_days)
    return cohort


def apply_rules(registry: Registry, rules: CohortRules) -> Cohort:
    """:func:`build_cohort` of a checked registry and rules, without the registry-wide checks.

    The Dask cohort runs it on each person bucket (a bucket may be empty) and checks the
    population selection against the union of the buckets
    (:func:`recidive.population.check_selection`) and that someone is followed against the
    summed attrition (:func:`recidive.cutoff.check_someone_followed`).
    """
    cutoff = resolve_cutoff(registry, rules)
    persons, cases = registry._persons, registry._cases
    window = _followup_window(persons, rules, cutoff)
    detained = _Detentions(
        registry._detentions,
        persons["person_id"],
        window.start,
        window.end,
        rules.remove_detention_time,
    )
    everyone = np.arange(len(persons))
    followup = (window.end - window.start) - detained.before(everyone, window.end)
    keep, person_rows = _apply_steps(
        "persons",
        "persons read from the registry",
        len(persons),
        _population_step(persons, rules) + _person_steps(window, followup, rules),
    )
    pos = positions(persons["person_id"], cases["person_id"])
    offence = _day(cases["offence_date"])
    counted, case_rows = _apply_steps(
        "cases",
        "case rows read from the registry",
        len(cases),
        _case_steps(cases, rules, keep[pos], offence, window, pos, _day_of(cutoff)),
    )
    kept = _counted_cases(cases, counted, pos, offence, window.start, detained)
    persons_out = _person_frame(persons, rules, window, followup, keep)
    for name, values in _criterion_columns(kept, rules, window, detained, keep).items():
        persons_out[name] = values
    return Cohort(
        persons=persons_out,
        attrition=_attrition_frame(person_rows + case_rows),
        cases=kept.frame,
        rules=rules,
        cutoff_date=cutoff,
        fingerprint=registry.fingerprint,
        criteria=tuple(rules.criteria),
    )


@dataclass(frozen=True)
class _Window:
    """Per registry person: follow-up from ``start`` to ``end`` (day numbers) and why it ends.

    ``reason`` indexes :data:`_END_REASONS` (0 cut-off, 1 death, 2 emigration).
    """

    start: np.ndarray
    end: np.ndarray
    reason: np.ndarray


@dataclass(frozen=True)
class _CountedCases:
    """The counted case rows (``frame``), with each row's person position and case day."""

    frame: pd.DataFrame
    pos: np.ndarray
    case_day: np.ndarray


def _followup_window(persons: pd.DataFrame, rules: CohortRules, cutoff: pd.Timestamp) -> _Window:
    """Start (release, else disposal), end (cut-off minus lag, or death or emigration), reason."""
    start = _day(persons["index_disposal_date"])
    if rules.start == "release":
        release = _day(persons["index_release_date"], missing=-_NEVER)
        start = np.where(release > -_NEVER, release, start)
    end = np.full(len(persons), _day_of(cutoff) - rules.registration_lag_days)
    reason = np.zeros(len(persons), dtype=np.int8)
    for code, column, on in (
        (_EMIGRATION, "emigration_date", rules.censor_at_emigration),
        (_DEATH, "death_date", rules.censor_at_death),
    ):
        if on:
            date = _day(persons[column], missing=_NEVER)
            reason = np.where(date <= end, code, reason).astype(np.int8)
            end = np.minimum(end, date)
    return _Window(start=start, end=end, reason=reason)


def _population_step(
    persons: pd.DataFrame, rules: CohortRules
) -> list[tuple[str, np.ndarray, str]]:
    """The persons outside the study population, when the rules select one."""
    if rules.population is None:
        return []
    outside = ~population_mask(persons, rules.population)
    return [("outside_population", outside, population_reason(rules.population))]


def _person_steps(
    window: _Window, followup: np.ndarray, rules: CohortRules
) -> list[tuple[str, np.ndarray, str]]:
    """The exclusion steps of persons, in order: (step, excluded, reason)."""
    no_followup = window.end <= window.start
    steps = []
    if rules.censor_at_death:
        steps.append(
            (
                "died_before_start",
                no_followup & (window.reason == _DEATH),
                "died on or before the start of follow-up",
            )
        )
    if rules.censor_at_emigration:
        steps.append(
            (
                "emigrated_before_start",
                no_followup & (window.reason == _EMIGRATION),
                "emigrated on or before the start of follow-up",
            )
        )
    steps.append(
        (
            "start_after_end",
            no_followup,
            "start of follow-up on or after the cut-off (minus registration lag)",
        )
    )
    if rules.remove_detention_time:
        steps.append(("no_time_at_risk", followup <= 0, "no day at risk outside detention"))
    return steps


def _case_steps(
    cases: pd.DataFrame,
    rules: CohortRules,
    person_kept: np.ndarray,
    offence: np.ndarray,
    window: _Window,
    pos: np.ndarray,
    cutoff: np.int64,
) -> list[tuple[str, np.ndarray, str]]:
    """The exclusion steps of case rows, in order: (step, excluded, reason).

    ``person_kept`` is that of each row's person, ``pos`` its person's position.
    """
    start, end = window.start[pos], window.end[pos]
    steps = [
        ("offence_after_cutoff", offence > cutoff, "offence committed after the data cut-off"),
        ("person_excluded", ~person_kept, "person excluded"),
    ]
    if rules.crimes_only:
        steps.append(("not_a_crime", ~cases["is_crime"].to_numpy(), "not a crime"))
    if rules.excluded_disposals:
        steps.append(
            (
                "disposal_not_counting",
                cases["disposal"].isin(rules.excluded_disposals).to_numpy(),
                f"disposal does not count ({'/'.join(rules.excluded_disposals)})",
            )
        )
    steps.append(
        ("offence_before_start", offence <= start, "offence on or before start of follow-up")
    )
    steps.append(("offence_after_end", offence > end, "offence after end of follow-up"))
    return steps


def _apply_steps(
    table: str, read: str, n: int, steps: list[tuple[str, np.ndarray, str]]
) -> tuple[np.ndarray, list[tuple]]:
    """Apply exclusion steps in order: the rows kept and the attrition rows (``read`` first)."""
    kept = np.ones(n, dtype=bool)
    rows = [(table, "read", n, n, read)]
    for step, drop, text in steps:
        rows.append(_step(table, step, kept, drop, text))
        kept &= ~drop
    return kept, rows


def _counted_cases(
    cases: pd.DataFrame,
    counted: np.ndarray,
    pos: np.ndarray,
    offence: np.ndarray,
    start: np.ndarray,
    detained: _Detentions,
) -> _CountedCases:
    """The counted rows, dated by their case's earliest counted offence, with days at risk."""
    kept = cases.loc[counted].reset_index(drop=True)
    kpos = pos[counted]
    case_day = _case_day(kpos, kept["case_id"], offence[counted])
    kept["start_date"] = _date(start[kpos])
    kept["case_date"] = _date(case_day)
    kept["days"] = ((case_day - start[kpos]) - detained.before(kpos, case_day)).astype(np.int64)
    return _CountedCases(frame=kept, pos=kpos, case_day=case_day)


def _criterion_columns(
    counted: _CountedCases,
    rules: CohortRules,
    window: _Window,
    detained: _Detentions,
    keep: np.ndarray,
) -> dict[str, np.ndarray]:
    """``{c}_days`` and ``{c}_event`` of each criterion ``c``, for the persons kept."""
    n = len(window.start)
    everyone = np.arange(n)
    order = np.lexsort((counted.case_day, counted.pos))
    columns = {}
    for criterion in rules.criteria:
        rows = criterion_rows(criterion, counted.frame, rules)[order]
        first = _first_day(counted.pos[order][rows], counted.case_day[order][rows], n)
        event = first <= window.end
        when = np.where(event, first, window.end)
        days = (when - window.start) - detained.before(everyone, when)
        columns[f"{criterion}_days"] = days[keep].astype(np.int64)
        columns[f"{criterion}_event"] = event[keep].astype(np.int8)
    return columns


def _attrition_frame(rows: list[tuple]) -> pd.DataFrame:
    """The attrition table from its rows ``(table, step, n_before, n_after, reason)``."""
    frame = pd.DataFrame(rows, columns=["table", "step", "n_before", "n_after", "reason"])
    frame["n_excluded"] = frame["n_before"] - frame["n_after"]
    return frame[["table", "step", "n_before", "n_after", "n_excluded", "reason"]]


class _Detentions:
    """Days in detention in ``[start, t)`` per person, by binary search."""

    def __init__(self, detentions, ids, start, end, active: bool) -> None:
        self.active = active and len(detentions) > 0
        if not self.active:
            return
        pos = positions(ids, detentions["person_id"])
        lo = np.maximum(_day(detentions["start"]), start[pos])
        hi = np.minimum(_day(detentions["end"]), end[pos])
        inside = lo < hi
        pos, lo, hi = pos[inside], lo[inside], hi[inside]
        order = np.lexsort((lo, pos))
        self.pos, self.lo, self.hi = pos[order], lo[order], hi[order]
        self.key = self.pos * (2 * _NEVER) + self.lo
        length = self.hi - self.lo
        total = np.cumsum(length)
        first = np.r_[True, self.pos[1:] != self.pos[:-1]] if len(pos) else np.zeros(0, bool)
        # days detained in this person's earlier detentions
        self.before_row = total - length - np.maximum.accumulate(np.where(first, total - length, 0))

    def before(self, pos: np.ndarray, day: np.ndarray) -> np.ndarray:
        if not self.active or len(self.pos) == 0:
            return np.zeros(len(pos), dtype=np.int64)
        i = np.searchsorted(self.key, pos * (2 * _NEVER) + day, side="left") - 1
        j = np.maximum(i, 0)
        same = (i >= 0) & (self.pos[j] == pos)
        inside = np.minimum(self.hi[j], day) - self.lo[j]
        return np.where(same, self.before_row[j] + inside, 0).astype(np.int64)


def _case_day(pos: np.ndarray, case_id: pd.Series, day: np.ndarray) -> np.ndarray:
    """The earliest day among the rows of each (person, case), for every row."""
    if len(day) == 0:
        return day
    case = pd.factorize(case_id)[0]
    order = np.lexsort((case, pos))
    p, c = pos[order], case[order]
    head = np.flatnonzero(np.r_[True, (p[1:] != p[:-1]) | (c[1:] != c[:-1])])
    first = np.minimum.reduceat(day[order], head)
    out = np.empty_like(day)
    out[order] = np.repeat(first, np.diff(np.r_[head, len(day)]))
    return out


def criterion_rows(criterion: str, cases: pd.DataFrame, rules: CohortRules) -> np.ndarray:
    """Which counted case rows count for ``criterion`` (a boolean mask over ``cases``)."""
    if criterion == "general":
        return np.ones(len(cases), dtype=bool)
    if criterion == "serious":
        return (cases["max_penalty_years"] >= rules.serious_min_penalty_years).to_numpy()
    if criterion == "very_serious":
        return (cases["max_penalty_years"] >= rules.very_serious_min_penalty_years).to_numpy()
    return (cases["offence_category"] == criterion).to_numpy()


def _first_day(pos: np.ndarray, day: np.ndarray, n: int) -> np.ndarray:
    """Earliest day per person, rows sorted by (pos, day); _NEVER where none."""
    first = np.full(n, _NEVER, dtype=np.int64)
    if len(pos):
        head = np.r_[True, pos[1:] != pos[:-1]]
        first[pos[head]] = day[head]
    return first


def _person_frame(
    persons: pd.DataFrame,
    rules: CohortRules,
    window: _Window,
    followup: np.ndarray,
    keep: np.ndarray,
) -> pd.DataFrame:
    """One row per person kept: covariates, age, follow-up window and its length."""
    start, end, reason = window.start, window.end, window.reason
    p = persons.loc[keep]
    birth, offence = p["birth_date"], p["index_offence_date"]
    days_old = (_day(offence) - _day(birth)).astype(np.float64)
    years = offence.dt.year - birth.dt.year
    before_birthday = (offence.dt.month < birth.dt.month) | (
        (offence.dt.month == birth.dt.month) & (offence.dt.day < birth.dt.day)
    )
    completed = (years - before_birthday.astype(int)).to_numpy()
    bins = [-np.inf, *rules.age_breaks, np.inf]
    out = pd.DataFrame(
        {
            "person_id": p["person_id"].to_numpy(),
            "sex": p["sex"].to_numpy(),
            "birth_date": birth.to_numpy(),
            "age_at_index": days_old / schema.DAYS_PER_YEAR,
            "age_band": pd.cut(completed, bins, right=False, labels=list(rules.age_labels)),
            "age_group": pd.cut(
                completed,
                [-np.inf, rules.monitor_age_cut, np.inf],
                right=False,
                labels=list(rules.age_group_labels),
            ),
            "exploitation_form": p["exploitation_form"].to_numpy(),
            "prior_cases": p["prior_cases"].to_numpy(),
            "start_date": _date(start[keep]),
            "end_date": _date(end[keep]),
            "end_reason": pd.Categorical.from_codes(reason[keep], categories=list(_END_REASONS)),
            "followup_days": followup[keep].astype(np.int64),
            "exit_year": _date(start[keep]).astype("datetime64[Y]").astype(np.int64) + 1970,
        }
    )
    for column in ("sex", "exploitation_form"):
        out[column] = out[column].astype(persons[column].dtype)
    return out


def _step(table, step, current, drop, text):
    before = int(current.sum())
    after = int((current & ~drop).sum())
    return (table, step, before, after, text)


def _day(dates: pd.Series, missing: np.int64 | None = None) -> np.ndarray:
    """Whole days since 1970-01-01 as int64; NaT becomes ``missing``."""
    values = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    days = values.astype(np.int64)
    if missing is not None:
        days = np.where(np.isnat(values), missing, days)
    return days


def _day_of(stamp: pd.Timestamp) -> np.int64:
    return np.datetime64(stamp.date(), "D").astype(np.int64)


def _date(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[ns]")

"""``split_episodes``: a cohort as (start, stop] rows at risk, in calendar time with gaps.

One survival row per person answers "how long until the first reoffence". Questions that
move in time need the person's follow-up cut into episodes: time in detention is not time
at risk (a gap between two rows), reoffences recur (each ends a row, and the running
count of earlier ones is a time-varying covariate), and a row's covariates may change. R
builds such data with ``tmerge``; this module builds them from a :class:`~recidive.Cohort`
and the registry's detentions, ready for ``fit_cox(..., entry="start", cluster="person_id")``,
``kaplan_meier(..., entry=)`` and the mean cumulative function.

The clock is calendar time: days since the start of the person's observation period
(``start_date``), with the detention days left out as gaps. ``CohortRules(
remove_detention_time=True)`` instead compresses the clock: it counts only days at risk, so
detention shifts every later day to the left, and its survival frame has one row per
person. Both count the same days at risk to an event and the same events; they differ in
what the time axis means (calendar time since release, where a gap sits at its date,
versus accumulated time at risk) and so in which persons share a risk set at a given
time. Calendar time is the scale of "recidivism within two years of release"; the
compressed clock is the Recidivemonitor's "time at risk".

An offence committed during detention (the registry dates it inside a detention) is an
event while the person is, by this definition, not at risk. Both routes count it at the
last moment at risk before that detention: the compressed clock gives it the days at risk
up to the detention (the cohort builder does so), and here it ends the row before the gap
(``event_in_detention`` says so). When the detention was already running at the start of
follow-up there is no moment at risk before it: the compressed clock then counts the event
at time 0; (start, stop] rows cannot hold an event at the start of follow-up, so such
events are left out here (with ``recurrent=False`` their persons, whose first event it is)
and counted in an :class:`~recidive.errors.EpisodesWarning` (rare: a detention in progress
at the start of the observation period, and an offence during it; 0.1% of the persons of
the reference registry).

Rows: a row is ``(start, stop]`` in whole days; ``event`` is 1 when a counted case of the
criterion is dated at ``stop`` (one event per counted case, not per case-offence row;
``n_cases`` > 1 when several cases share a day, which a 0/1 event cannot show);
``previous_cases`` counts the person's counted cases of the criterion before the row.
With ``recurrent=False`` follow-up ends at the first counted case (the cohort's criterion),
with ``recurrent=True`` it runs to the end of follow-up through every counted case.

The registry has no supervision (probation) table; ``docs/counting_process.md`` proposes
an optional one, which would enter as one more kind of cut, like detention.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from recidive.cohort import Cohort, build_cohort, criterion_rows
from recidive.errors import ArgumentError, EpisodesWarning
from recidive.registry import Registry
from recidive.validation import positions

#: Person columns carried onto every row (the covariates of the survival frame).
PERSON_COLUMNS: tuple[str, ...] = (
    "sex",
    "age_at_index",
    "age_band",
    "age_group",
    "exploitation_form",
    "prior_cases",
)
#: Columns of the rows, before the person columns.
COLUMNS: tuple[str, ...] = (
    "person_id",
    "start",
    "stop",
    "event",
    "n_cases",
    "previous_cases",
    "event_in_detention",
)


def split_episodes(
    cohort: Cohort,
    registry: Registry | None = None,
    criterion: str = "general",
    recurrent: bool = False,
) -> pd.DataFrame:
    """The cohort as (start, stop] rows at risk, in calendar days since the start of follow-up.

    Parameters
    ----------
    cohort : Cohort
        An in-memory cohort (``build_cohort``); its persons, counted cases and rules.
    registry : Registry, optional
        The registry the cohort was built from (checked by its fingerprint), for its
        detentions: days in detention are gaps between rows. Without it, each person's
        follow-up is one stretch at risk; a cohort whose rules remove detention time
        needs it (its days at risk leave the detentions out).
    criterion : str
        Which counted cases are events: ``"general"`` (any), an offence category,
        ``"serious"`` or ``"very_serious"`` (as the cohort's criteria).
    recurrent : bool
        False: follow-up ends at the first counted case (time to the first event, the
        cohort's criterion). True: every counted case ends a row and follow-up goes on to
        the end (recurrent events: Andersen-Gill models, the mean cumulative function).

    Returns
    -------
    pandas.DataFrame
        ``person_id, start, stop, event, n_cases, previous_cases, event_in_detention``
        and the person covariates ``sex, age_at_index, age_band, age_group,
        exploitation_form, prior_cases``; sorted by person, then time. ``start`` and
        ``stop`` are whole days since the person's ``start_date``.

    Warns
    -----
    EpisodesWarning
        When events were left out: offences during a detention that was running at the
        start of follow-up (there is no time at risk before them; see the module notes).
        With ``recurrent=False`` the persons whose first event that is are left out.
        Persons detained throughout their follow-up have no rows, and are counted here.

    Examples
    --------
    >>> import recidive as rc
    >>> from recidive.episodes import _example
    >>> registry, cohort = _example()
    >>> rows = rc.split_episodes(cohort, registry, recurrent=True)
    >>> rows[["person_id", "start", "stop", "event", "previous_cases"]]
       person_id  start  stop  event  previous_cases
    0          1      0    60      1               0
    1          1     60   100      0               1
    2          1    130   400      1               1
    3          1    400  1826      0               2

    Person 1 reoffends on day 60, is detained from day 100 to day 130 (a gap) and
    reoffends again on day 400. The rows fit a recurrent-events Cox model:
    ``fit_cox(rows, "stop", "event", covariates, entry="start", cluster="person_id")``.
    """
    if not isinstance(cohort, Cohort):
        raise ArgumentError(
            f"split_episodes needs an in-memory Cohort (from build_cohort on a Registry), "
            f"not {type(cohort).__name__}; a DaskCohort's persons can be computed and "
            "split in parts"
        )
    if criterion not in cohort.criteria:
        raise ArgumentError(
            f"criterion {criterion!r} is not in this cohort; use one of "
            f"{', '.join(cohort.criteria)}"
        )
    if not isinstance(recurrent, bool):
        raise ArgumentError(f"recurrent must be True or False, got {recurrent!r}")
    if registry is None and cohort.rules.remove_detention_time:
        raise ArgumentError(
            "the cohort's rules remove detention time (CohortRules(remove_detention_time="
            "True)), but no registry was given for its detentions; pass the registry the "
            "cohort was built from, so that the days in detention become gaps between rows"
        )
    persons = cohort.persons
    start, end = _days(persons["start_date"]), _days(persons["end_date"])
    pieces = _at_risk_pieces(_detention_blocks(cohort, registry, start, end), start, end)
    events = _events(cohort, criterion, start, pieces, recurrent)
    _warn_left_out(events, len(persons) - np.unique(pieces["person"]).size, criterion, recurrent)
    rows = _rows(pieces, events)
    return _frame(persons, rows)


def _warn_left_out(events: dict, never_at_risk: int, criterion: str, recurrent: bool) -> None:
    """One :class:`EpisodesWarning` for what the rows cannot hold, with the counts."""
    notes = []
    if never_at_risk:
        notes.append(
            f"{never_at_risk} persons were detained throughout their follow-up and have no "
            "rows (CohortRules(remove_detention_time=True) excludes them as no_time_at_risk)"
        )
    if events["lost_cases"]:
        what = "those cases are left out" if recurrent else (
            "those persons, whose first case came before any time at risk, are left out"
        )  # fmt: skip
        notes.append(
            f"{events['lost_cases']} counted cases of criterion {criterion!r} "
            f"({events['lost_persons']} persons) were committed during a detention running "
            f"at the start of follow-up, before any time at risk; (start, stop] rows cannot "
            f"hold them, so {what} (the compressed clock of remove_detention_time counts "
            "them at time 0)"
        )
    if notes:
        warnings.warn("; ".join(notes), EpisodesWarning, stacklevel=3)


def _days(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def _detention_blocks(cohort: Cohort, registry, start, end):
    """Detention days ``[lo, hi)`` inside each person's follow-up, sorted by person, then day."""
    empty = (np.zeros(0, np.int64),) * 3
    if registry is None:
        return empty
    if not isinstance(registry, Registry):
        raise ArgumentError(f"registry must be a recidive.Registry, not {type(registry).__name__}")
    if registry.fingerprint != cohort.fingerprint:
        raise ArgumentError(
            "registry is not the one the cohort was built from (their fingerprints differ); "
            "pass the registry given to build_cohort"
        )
    detentions = registry._detentions
    pos = positions(cohort.persons["person_id"], detentions["person_id"])
    known = pos >= 0  # detentions of persons left out of the cohort play no part
    pos = pos[known]
    lo = np.maximum(_days(detentions["start"])[known], start[pos])
    hi = np.minimum(_days(detentions["end"])[known], end[pos])
    inside = lo < hi
    if not inside.any():
        return empty
    pos, lo, hi = pos[inside], lo[inside], hi[inside]
    order = np.lexsort((lo, pos))  # the registry has no overlapping detentions of a person
    return pos[order], lo[order], hi[order]


def _at_risk_pieces(blocks, start, end) -> dict[str, np.ndarray]:
    """The stretches at risk between the detentions: days ``(lo, hi]`` relative to the start.

    Piece ``j`` of a person runs from the start (``j = 0``) or the end of detention
    ``j - 1`` to the start of detention ``j`` or the end of follow-up; empty ones are left
    out. A detention ``[lo, hi)`` is the gap ``(lo, hi]``: a row ending on its first day
    is at risk that day, as the compressed clock counts it.
    """
    pos, lo, hi = blocks
    n = start.shape[0]
    rank = np.arange(pos.shape[0]) - np.searchsorted(pos, pos)  # detention's rank in person
    person = np.concatenate([np.arange(n), pos])
    piece_rank = np.concatenate([np.zeros(n, np.int64), rank + 1])
    order = np.lexsort((piece_rank, person))
    begin = np.concatenate([start, hi])[order]
    person = person[order]
    finish_rank = np.concatenate([rank, np.bincount(pos, minlength=n)])
    finish_order = np.lexsort((finish_rank, np.concatenate([pos, np.arange(n)])))
    finish = np.concatenate([lo, end])[finish_order]
    keep = finish > begin
    person, begin, finish = person[keep], begin[keep], finish[keep]
    base = start[person]
    return {"person": person, "lo": begin - base, "hi": finish - base}


def _events(cohort: Cohort, criterion: str, start, pieces, recurrent: bool) -> dict:
    """Event times (days since the start) per person, moved out of detention, one per day."""
    cases = cohort.cases
    rows = criterion_rows(criterion, cases, cohort.rules)
    pos = positions(cohort.persons["person_id"], cases["person_id"])[rows]
    case_id = cases["case_id"].to_numpy()[rows]
    day = _days(cases["case_date"])[rows] - start[pos]
    distinct = ~pd.DataFrame({"p": pos, "c": case_id}).duplicated().to_numpy()
    pos, day = pos[distinct], day[distinct]  # one event per counted case
    person, lo, hi = pieces["person"], pieces["lo"], pieces["hi"]
    span = int(max(hi.max(initial=0), day.max(initial=0))) + 2
    key = person * span + hi
    at = np.searchsorted(key, pos * span + day)  # first piece ending at or after the day
    safe = np.minimum(at, max(len(key) - 1, 0))
    inside = (at < len(key)) & (person[safe] == pos) & (lo[safe] < day)
    before = np.maximum(at - 1, 0)
    moved = ~inside & (at > 0) & (person[before] == pos)  # in a gap: to the piece before it
    lost = ~inside & ~moved
    lost_persons = np.unique(pos[lost])
    piece = np.where(inside, at, before)[~lost]
    time = np.where(inside, day, hi[before])[~lost]
    detained = moved[~lost]
    order = np.lexsort((time, piece))
    piece, time, detained = piece[order], time[order], detained[order]
    new = np.ones(piece.shape[0], dtype=bool)
    new[1:] = (piece[1:] != piece[:-1]) | (time[1:] != time[:-1])
    first = np.flatnonzero(new)
    out = {
        "piece": piece[first],
        "time": time[first],
        "n_cases": np.diff(np.append(first, piece.shape[0])),
        "in_detention": np.logical_or.reduceat(detained, first) if first.size else detained,
    }
    if not recurrent:  # the first event of each person ends its follow-up
        owner = person[out["piece"]]
        head = np.ones(owner.shape[0], dtype=bool)
        head[1:] = owner[1:] != owner[:-1]
        out = {k: v[head] for k, v in out.items()}
        out["last_piece"] = out["piece"]
        out["left_out"] = lost_persons
    out["lost_cases"], out["lost_persons"] = int(lost.sum()), lost_persons.size
    return out


def _rows(pieces: dict, events: dict) -> dict[str, np.ndarray]:
    """Cut the pieces at the event times: rows (start, stop] with their event counts."""
    person, lo, hi = pieces["person"], pieces["lo"], pieces["hi"]
    hi = hi.copy()
    keep_piece = np.ones(lo.shape[0], dtype=bool)
    if "last_piece" in events:  # follow-up ends at the first event
        last = events["last_piece"]
        hi[last] = events["time"]
        cut = np.full(person.max(initial=-1) + 1, np.iinfo(np.int64).max)
        cut[person[last]] = last
        keep_piece = np.arange(lo.shape[0]) <= cut[person]
    piece_ids = np.flatnonzero(keep_piece)
    ev_piece, ev_time = events["piece"], events["time"]
    begin_piece = np.concatenate([piece_ids, ev_piece])
    begin = np.concatenate([lo[piece_ids], ev_time])
    finish_piece = np.concatenate([ev_piece, piece_ids])
    finish = np.concatenate([ev_time, hi[piece_ids]])
    n_ev = ev_piece.shape[0]
    counts = np.concatenate([events["n_cases"], np.zeros(piece_ids.shape[0], np.int64)])
    detained = np.concatenate([events["in_detention"], np.zeros(piece_ids.shape[0], bool)])
    b_order = np.lexsort((begin, begin_piece))
    f_order = np.lexsort((np.arange(finish.shape[0]) >= n_ev, finish, finish_piece))
    row_piece, start = begin_piece[b_order], begin[b_order]
    stop, n_cases, in_detention = finish[f_order], counts[f_order], detained[f_order]
    keep = stop > start  # an event at the end of its piece leaves an empty last row
    row_piece, start, stop = row_piece[keep], start[keep], stop[keep]
    n_cases, in_detention = n_cases[keep], in_detention[keep]
    row_person = person[row_piece]
    if "left_out" in events and events["left_out"].size:
        kept = ~np.isin(row_person, events["left_out"])
        row_person, start, stop = row_person[kept], start[kept], stop[kept]
        n_cases, in_detention = n_cases[kept], in_detention[kept]
    running = np.cumsum(n_cases) - n_cases
    first_row = np.searchsorted(row_person, row_person)
    previous = running - running[first_row]
    return {
        "person": row_person,
        "start": start,
        "stop": stop,
        "event": (n_cases > 0).astype(np.int8),
        "n_cases": n_cases.astype(np.int64),
        "previous_cases": previous.astype(np.int64),
        "event_in_detention": in_detention.astype(np.int8),
    }


def _frame(persons: pd.DataFrame, rows: dict[str, np.ndarray]) -> pd.DataFrame:
    pos = rows.pop("person")
    out = {"person_id": persons["person_id"].to_numpy()[pos], **rows}
    for column in PERSON_COLUMNS:
        out[column] = persons[column].iloc[pos].reset_index(drop=True)
    return pd.DataFrame(out)


def _example() -> tuple[Registry, Cohort]:
    """One person with two reoffences and a detention between them, for the docstrings."""
    persons = pd.DataFrame({
        "person_id": [1], "sex": ["M"], "birth_date": ["1990-01-01"],
        "index_offence_date": ["2015-01-01"], "index_disposal_date": ["2015-06-01"],
        "index_release_date": ["2016-01-01"], "exploitation_form": ["arbeid"],
        "prior_cases": [0],
    })  # fmt: skip
    cases = pd.DataFrame({
        "person_id": [1, 1], "case_id": ["a", "b"], "offence_date": ["2016-03-01", "2017-02-04"],
        "disposal_date": ["2016-09-01", "2017-06-01"], "disposal": ["conviction"] * 2,
        "offence_category": ["property", "violence"], "max_penalty_years": [4.0, 6.0],
        "is_crime": [True, True],
    })  # fmt: skip
    detentions = pd.DataFrame({"person_id": [1], "start": ["2016-04-10"], "end": ["2016-05-10"]})
    registry = Registry(persons, cases, detentions, cutoff_date="2020-12-31")
    return registry, build_cohort(registry)

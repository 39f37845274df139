"""The content step: every number of the section, estimated from a cohort and made safe.

This module and :mod:`~recidive.report.cox_content` are the only ones of the report
layer that estimate. They call the estimators from their own modules
(:func:`~recidive.cohort_rates.recidivism_rates`, :func:`~recidive.cohort_rates.age_profile`,
:func:`~recidive.estimation.kaplan_meier.kaplan_meier`,
:func:`~recidive.estimation.logrank.logrank_test`, :class:`~recidive.estimation.cox.CoxModel`)
and hand every number to disclosure control (:mod:`~recidive.report.disclosure`)
before anything is formatted or drawn. Each step takes the cohort (or its survival
frame) and returns its safe numbers together with notes saying what was hidden;
:func:`compute_content` runs the steps in order and turns the notes into one
:class:`~recidive.errors.SmallCellWarning`. No step writes text.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive import defaults
from recidive.cohort_rates import AgeProfile, age_profile, recidivism_rates
from recidive.errors import InsufficientFollowUpWarning, SmallCellWarning
from recidive.estimation.kaplan_meier import kaplan_meier
from recidive.estimation.logrank import logrank_test
from recidive.plotting import at_risk_counts
from recidive.report import disclosure
from recidive.report.cox_content import CoxContent, cox_content
from recidive.report.formatting import horizon_key
from recidive.report.qualifiers import Benchmark, QualifierRules
from recidive.rules import CohortRules

#: Horizons (years) of the general rates table: every year up to seven.
GENERAL_HORIZONS: Sequence[float] = range(1, 8)
#: Horizons (years) of the rates by type of offence and by age group.
BY_TYPE_HORIZONS: tuple[float, ...] = defaults.HORIZONS_YEARS
AGE_HORIZONS: tuple[float, ...] = defaults.HORIZONS_YEARS
#: How many suppression notes the warning lists before "…".
_NOTES_SHOWN = 8


@dataclass(frozen=True)
class Safe:
    """Numbers after disclosure control (a frame or a dict), and what was hidden."""

    numbers: pd.DataFrame | dict
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attrition:
    """The attrition table after disclosure control, the persons read (``None`` if hidden)."""

    frame: pd.DataFrame
    n_read: int | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Content:
    """Every number of the section after disclosure control (no text).

    Frames hold numbers with suppressed cells NaN; ``numbers`` the key figures as
    JSON-ready dicts; ``curves`` the Kaplan-Meier tables the figures draw, already
    cut by :func:`~recidive.report.disclosure.safe_curve`; ``at_risk`` the numbers at
    risk printed under the cumulative curve, small ones hidden.
    """

    numbers: dict
    general: pd.DataFrame
    by_type: pd.DataFrame
    by_age: pd.DataFrame
    cox: CoxContent
    attrition: pd.DataFrame
    curves: dict[str, pd.DataFrame]
    at_risk: pd.DataFrame
    logrank: dict
    method: dict
    cohort_rules: CohortRules
    suppression_notes: tuple[str, ...] = ()


def compute_content(
    cohort,
    min_cell: int = defaults.MIN_CELL,
    horizons: Sequence[float] = GENERAL_HORIZONS,
    rules: QualifierRules | None = None,
    benchmark_horizon: float = Benchmark.horizon_years,
    conf_type: str = defaults.CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
    progress: Callable[[str], None] | None = None,
) -> Content:
    """Estimate every number of the section and suppress small cells.

    Parameters
    ----------
    cohort : Cohort
        From :func:`recidive.build_cohort`.
    min_cell : int
        Disclosure threshold in persons (see :mod:`recidive.report.disclosure`).
    horizons : sequence of float
        Horizons (years) of the general rates table and figure.
    rules : QualifierRules, optional
        Which horizons and criteria the key sentences need.
    benchmark_horizon : float
        Horizon of the benchmark; always estimated.
    conf_type, conf_level : str, float
        Pointwise CI of the Kaplan-Meier curves and rates.
    progress : callable, optional
        Called with a short message before each long step.

    Returns
    -------
    Content

    Warns
    -----
    SmallCellWarning
        When cells were suppressed; the message lists them.

    Examples
    --------
    >>> import recidive as rc
    >>> cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=500, seed=3))
    >>> content = compute_content(cohort)  # doctest: +SKIP
    """
    rules = rules or QualifierRules()
    say = progress or _silent
    conf = {"conf_type": conf_type, "conf_level": conf_level}
    needed = {float(benchmark_horizon), float(rules.high_horizon), float(rules.mid_horizon)}
    horizons = sorted({float(h) for h in horizons} | needed)
    with warnings.catch_warnings():
        # a horizon past follow-up is reported as "—" with a note in the section
        warnings.simplefilter("ignore", InsufficientFollowUpWarning)
        say("estimating general recidivism (Kaplan-Meier)")
        general = general_rates(cohort, horizons, conf, min_cell)
        say("estimating recidivism by type of offence")
        by_type = rates_by_type(cohort, rules, conf, min_cell)
        say("estimating recidivism by age group")
        by_age = rates_by_age(cohort, conf, min_cell)
        hidden = hidden_groups(by_age.numbers)
        say("estimating the age profile of recidivists")
        profile = age_profile(cohort, horizon_years=rules.high_horizon, cut=rules.age_cut)
    age = age_numbers(profile, min_cell, bool(hidden))

    say("fitting Kaplan-Meier curves and the log-rank test")
    frame = cohort.survival_frame("general")
    curves = km_curves(frame, cohort.rules.age_group_labels, hidden, conf)
    at_risk = numbers_at_risk(curves["all"], range(0, int(rules.high_horizon) + 1))
    logrank = logrank_numbers(frame, hidden)
    # disclosure of the curves: what the figures may draw, and the numbers under them
    safe_curves = {g: disclosure.safe_curve(km, min_cell) for g, km in curves.items()}
    safe_at_risk = disclosure.suppress_at_risk(at_risk, min_cell)

    say("fitting the Cox model")
    cox = cox_content(frame, min_cell, hidden, rules)

    say("applying disclosure control to the attrition table")
    attrition = attrition_content(cohort, min_cell)

    notes = general.notes + by_type.notes + by_age.notes + age.notes + cox.notes + attrition.notes
    if notes:
        _warn_suppressed(notes, min_cell)
    method = method_numbers(cohort, attrition.n_read, conf, min_cell)
    rates = (general.numbers, by_type.numbers, by_age.numbers)
    return Content(
        numbers=_clean(key_numbers(cohort, *rates, age.numbers, logrank, method, rules)),
        general=general.numbers,
        by_type=by_type.numbers,
        by_age=by_age.numbers,
        cox=cox,
        attrition=attrition.frame,
        curves=safe_curves,
        at_risk=safe_at_risk,
        logrank=logrank,
        method=method,
        cohort_rules=cohort.rules,
        suppression_notes=notes,
    )


def _silent(message: str) -> None:
    """The progress callback when none is given."""


def _warn_suppressed(notes: tuple[str, ...], min_cell: int) -> None:
    shown = "; ".join(notes[:_NOTES_SHOWN]) + ("; …" if len(notes) > _NOTES_SHOWN else "")
    warnings.warn(
        SmallCellWarning(
            f"{len(notes)} cell(s) suppressed by disclosure control (min_cell={min_cell}): "
            f"{shown}. They show as × in the section and as null in its JSON; "
            "lower min_cell only if your disclosure rules allow it."
        ),
        stacklevel=4,  # the caller of recidivism_section
    )


# -- rates ------------------------------------------------------------------------------
def _rates(cohort, criteria, horizons, by, conf: dict) -> pd.DataFrame:
    """Rates per criterion (``recidivism_rates`` shape, leading ``criterion`` column)."""
    table = recidivism_rates(cohort, list(criteria), horizons=horizons, by=by, **conf)
    return table.to_frame().reset_index(drop=True)


def general_rates(cohort, horizons: Sequence[float], conf: dict, min_cell: int) -> Safe:
    """General recidivism at ``horizons``, small cells suppressed."""
    frame, notes = disclosure.suppress_rate_table(
        _rates(cohort, ["general"], horizons, None, conf), min_cell
    )
    return Safe(frame, tuple(notes))


def rates_by_type(cohort, rules: QualifierRules, conf: dict, min_cell: int) -> Safe:
    """Recidivism per listed type of offence (empty frame if the cohort has none)."""
    types = [c for c in rules.listed_criteria if c in cohort.criteria]
    if not types:
        return Safe(pd.DataFrame())
    horizons = sorted(set(BY_TYPE_HORIZONS) | {float(rules.serious_horizon)})
    frame, notes = disclosure.suppress_rate_table(
        _rates(cohort, types, horizons, None, conf), min_cell
    )
    return Safe(frame, tuple(notes))


def rates_by_age(cohort, conf: dict, min_cell: int) -> Safe:
    """General recidivism per age group and in total, with secondary suppression."""
    frame, notes = disclosure.suppress_rate_table(
        _rates(cohort, ["general"], AGE_HORIZONS, ["age_group"], conf),
        min_cell,
        group="age_group",
    )
    return Safe(frame, tuple(notes))


def hidden_groups(by_age: pd.DataFrame) -> frozenset[str]:
    """The age groups whose rates disclosure control hid (so no curve, test or share)."""
    hidden = by_age.loc[by_age["status"] == disclosure.SUPPRESSED_STATUS, "age_group"]
    return frozenset(set(hidden.astype(str)) - {"all"})


def age_numbers(profile: AgeProfile, min_cell: int, groups_hidden: bool) -> Safe:
    """The shares under the age cut, suppressed where they would reveal small counts."""
    p = profile
    off_hidden = groups_hidden or disclosure.share_is_disclosive(p.n_young, p.n, min_cell)
    rec_hidden = off_hidden or disclosure.share_is_disclosive(
        p.n_young_recidivists, p.n_recidivists, min_cell
    )
    notes = []
    if off_hidden:
        notes.append(f"share under {p.cut} among offenders: fewer than {min_cell} persons")
    if rec_hidden:
        notes.append(f"share under {p.cut} among recidivists: fewer than {min_cell} persons")
    corrected = None if rec_hidden else _clean(p.share_young_recidivists)
    numbers = {
        "cut": p.cut,
        "horizon_years": p.horizon_years,
        "share_under_cut_offenders": {
            "value": None if off_hidden else _clean(p.share_young_offenders),
            "n": int(p.n),
            "n_under_cut": None if off_hidden else int(p.n_young),
            "status": "suppressed" if off_hidden else "ok",
        },
        "share_under_cut_recidivists": {
            "value": corrected,
            "raw": None if rec_hidden else _clean(p.share_young_recidivists_raw),
            "n_recidivists": None if rec_hidden else int(p.n_recidivists),
            "n_under_cut": None if rec_hidden else int(p.n_young_recidivists),
            "rate_under_cut": None if rec_hidden else _clean(p.rate_young),
            "rate_cut_and_over": None if rec_hidden else _clean(p.rate_old),
            "method": "Kaplan-Meier corrected: p F<(t) / (p F<(t) + (1 - p) F>=(t))",
            "status": "suppressed"
            if rec_hidden
            else ("ok" if corrected is not None else "insufficient_follow_up"),
        },
    }
    return Safe(numbers, tuple(notes))


# -- curves and the log-rank test ---------------------------------------------------------
def km_curves(
    frame: pd.DataFrame, group_labels: Sequence[str], hidden: frozenset[str], conf: dict
) -> dict[str, pd.DataFrame]:
    """Kaplan-Meier tables of everyone (``"all"``) and of each age group not hidden.

    The tables are the estimator's, uncut: :func:`~recidive.report.disclosure.safe_curve`
    decides what of them may be drawn.
    """
    curves = {"all": kaplan_meier(frame["days"], frame["event"], **conf).to_frame()}
    groups = frame["age_group"].astype(str)
    for g in group_labels:
        if g in hidden or not (groups == g).any():
            continue
        mask = (groups == g).to_numpy()
        curves[g] = kaplan_meier(frame["days"][mask], frame["event"][mask], **conf).to_frame()
    return curves


def numbers_at_risk(curve: pd.DataFrame, years: Sequence[float]) -> pd.DataFrame:
    """Persons still followed at each of ``years`` (whole years under the axis)."""
    years = list(years)
    return pd.DataFrame({"years": years, "n_at_risk": at_risk_counts(curve, years)})


def logrank_numbers(frame: pd.DataFrame, hidden: frozenset[str]) -> dict:
    """The log-rank test across age groups; ``None`` values when a group is hidden."""
    groups = frame["age_group"].astype(str)
    if hidden or groups.nunique() <= 1:
        return {"statistic": None, "df": None, "p_value": None}
    lr = logrank_test(frame["days"], frame["event"], groups)
    return _clean({"statistic": lr.statistic, "df": lr.df, "p_value": lr.p_value})


# -- attrition, method and the key numbers ------------------------------------------------
def attrition_content(cohort, min_cell: int) -> Attrition:
    """The persons and cases left out per step; the persons read (the total) protected."""
    attrition = getattr(cohort, "attrition", None)
    cols = ["table", "step", "reason", "n_excluded", "suppressed"]
    if attrition is None or len(attrition) == 0:
        return Attrition(pd.DataFrame(columns=cols), int(len(cohort.persons)))
    frame = attrition.reset_index(drop=True)
    parts, notes = [], []
    n_read = int(len(cohort.persons))
    for table, rows in frame.groupby("table", sort=False):
        rows = rows.reset_index(drop=True)
        total = None
        if table == "persons":
            n_read = int(rows["n_before"].iloc[0])
            # persons read - persons analysed = the exclusions; both are published, so
            # their difference is a published total of the exclusions
            total = n_read - int(len(cohort.persons))
        safe, hide_total, n = disclosure.suppress_counts(
            rows[["table", "step", "reason", "n_excluded"]], "n_excluded", min_cell, total
        )
        notes += [f"attrition {table} {m}" for m in n]
        if table == "persons" and hide_total:
            n_read = None
            notes.append("attrition: persons read hidden so it does not reveal a small step")
        parts.append(safe)
    return Attrition(pd.concat(parts, ignore_index=True)[cols], n_read, tuple(notes))


def method_numbers(cohort, n_read: int | None, conf: dict, min_cell: int) -> dict:
    """The numbers of the method box and the provenance."""
    persons = cohort.persons
    followup = (
        float(np.median(persons["followup_days"])) / defaults.DAYS_PER_YEAR
        if "followup_days" in persons and len(persons)
        else float("nan")
    )
    rules = cohort.rules
    return {
        "n_read": n_read,
        "n_analysed": int(len(persons)),
        "cutoff_date": _date(getattr(cohort, "cutoff_date", None)),
        "median_followup_years": _clean(followup),
        "conf_type": conf["conf_type"],
        "conf_level": conf["conf_level"],
        "min_cell": min_cell,
        "fingerprint": str(getattr(cohort, "fingerprint", "")),
        "rules": _clean(rules.to_dict()) if hasattr(rules, "to_dict") else {},
        "exploitation_forms": sorted(persons["exploitation_form"].astype(str).unique().tolist()),
    }


def key_numbers(
    cohort,
    general: pd.DataFrame,
    by_type: pd.DataFrame,
    by_age: pd.DataFrame,
    age: dict,
    logrank: dict,
    method: dict,
    rules: QualifierRules,
) -> dict:
    """The key figures (JSON's ``numbers``): rate cells keyed by horizon, criterion, group."""
    return {
        "n_persons": int(len(cohort.persons)),
        "general": {horizon_key(r.horizon_years): _cell(r) for _, r in general.iterrows()},
        "by_type": {
            str(r.criterion): _cell(r)
            for _, r in by_type.iterrows()
            if np.isclose(r.horizon_years, rules.serious_horizon)
        },
        "by_age": {
            f"{r.age_group}|{horizon_key(r.horizon_years)}": _cell(r) for _, r in by_age.iterrows()
        },
        "age": age,
        "logrank": logrank,
        "cohort": {
            key: method[key]
            for key in ("n_read", "n_analysed", "cutoff_date", "median_followup_years")
        },
    }


def _cell(row: pd.Series) -> dict:
    """A rate row as a JSON-ready dict (``None`` for suppressed or not estimable)."""
    keys = (
        "horizon_years",
        "rate",
        "std_err",
        "ci_lower",
        "ci_upper",
        "n",
        "n_events",
        "n_at_risk",
        "status",
    )
    out = {k: _clean(row[k]) for k in keys if k in row.index}
    for k in ("n", "n_events", "n_at_risk"):
        if out.get(k) is not None:
            out[k] = int(out[k])
    return out


def _clean(value):
    """NaN/numpy to JSON-ready Python values."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _date(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        return pd.Timestamp(value).date().isoformat()
    except (TypeError, ValueError):
        return str(value)

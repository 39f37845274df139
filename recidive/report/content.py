"""The content step: every number of the section, estimated from a cohort and made safe.

This module and :mod:`~recidive.report.cox_content` are the only ones of the report
layer that estimate. They call the estimators from their own modules
(:func:`~recidive.cohort_rates.recidivism_rates`, :func:`~recidive.cohort_rates.age_profile`,
:func:`~recidive.estimation.logrank.logrank_test`, :class:`~recidive.estimation.cox.CoxModel`)
and hand every number to disclosure control (:mod:`~recidive.report.disclosure`,
:mod:`~recidive.report.safe_rates`) before anything is formatted or drawn: the tables
and the figures get the same published points of each curve, the figures on a grid of
whole months. Each step returns its safe numbers with notes saying what was hidden;
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
from recidive.estimation.logrank import logrank_test
from recidive.report import disclosure
from recidive.report.cox_content import CoxContent, cox_content
from recidive.report.formatting import horizon_key
from recidive.report.monitor_content import MonitorContent, monitor_content
from recidive.report.qualifiers import Benchmark, QualifierRules
from recidive.report.safe_rates import (
    Containing,
    PublishedRates,
    complete_groups,
    publish_rates,
)
from recidive.rules import CohortRules

#: Horizons (years) of the general rates table: every year up to seven.
GENERAL_HORIZONS: Sequence[float] = range(1, 8)
#: Horizons (years) of the rates by type of offence and by age group.
BY_TYPE_HORIZONS: tuple[float, ...] = defaults.HORIZONS_YEARS
AGE_HORIZONS: tuple[float, ...] = defaults.HORIZONS_YEARS
#: Points per year of the grid the figures' curves are drawn on (whole months).
GRID_PER_YEAR = 12
#: How many suppression notes the warning lists before "…".
_NOTES_SHOWN = 8


@dataclass(frozen=True)
class Safe:
    """Numbers after disclosure control (a frame or a dict), and what was hidden."""

    numbers: pd.DataFrame | dict
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attrition:
    """The selection table after disclosure control, the persons read (``None`` if hidden)."""

    frame: pd.DataFrame
    n_read: int | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Content:
    """Every number of the section after disclosure control (no text).

    Frames hold published numbers with hidden cells NaN; ``numbers`` the key figures as
    JSON-ready dicts; ``curves`` the points each figure draws per group (``years, rate,
    ci_lower, ci_upper``, the same points the tables publish); ``at_risk`` the numbers
    at risk printed under the cumulative curve.
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
    monitor: MonitorContent | None = None


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
    """Estimate every number of the section and apply disclosure control.

    Parameters
    ----------
    cohort : Cohort
        From :func:`recidive.build_cohort`.
    min_cell : int
        Disclosure threshold in persons (see :mod:`recidive.report.disclosure`).
    horizons : sequence of float
        Horizons (years) of the general rates table.
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

    Raises
    ------
    recidive.errors.DisclosureError
        When the cohort is under the minimum size of the policy (2 x ``min_cell``).

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
    disclosure.check_cohort_size(len(cohort.persons), min_cell)
    rules = rules or QualifierRules()
    say = progress or _silent
    conf = {"conf_type": conf_type, "conf_level": conf_level}
    needed = (float(rules.high_horizon), float(benchmark_horizon), float(rules.mid_horizon))
    table_horizons = sorted({float(h) for h in horizons} | set(needed))
    priority = list(dict.fromkeys([*needed, *table_horizons, *map(float, AGE_HORIZONS)]))
    labels = tuple(cohort.rules.age_group_labels)
    with warnings.catch_warnings():
        # a horizon past follow-up is reported as "—" with a note in the section
        warnings.simplefilter("ignore", InsufficientFollowUpWarning)
        say("estimating general recidivism (Kaplan-Meier), in total and by age group")
        exact = general_rates(cohort, priority, labels, float(rules.high_horizon), conf)
        general = publish_rates(exact, min_cell, by=["age_group"], horizons=priority)
        say("estimating recidivism by type of offence")
        general_curve = Containing(exact, general.frame, by=("age_group",))
        by_type = rates_by_type(cohort, rules, conf, min_cell, general_curve)
        say("estimating serious recidivism, the median time and competing risks")
        monitor = monitor_content(
            cohort, general_curve, general.frame, rules.listed_criteria, conf, min_cell
        )
        say("estimating the age profile of recidivists")
        profile = age_profile(
            cohort,
            horizon_years=rules.high_horizon,
            cut=rules.age_cut,
            conf_level=conf["conf_level"],
        )
    by_age = _ordered(general.at(AGE_HORIZONS), labels)
    hidden = hidden_groups(by_age)
    parts_at_high = groups_published_at(by_age, labels, rules.high_horizon)
    age = age_numbers(profile, by_age, labels, parts_at_high, min_cell)

    say("running the log-rank test")
    frame = cohort.survival_frame("general")
    logrank = logrank_numbers(frame, hidden)
    say("fitting the Cox model")
    cox = cox_content(frame, min_cell, hidden, rules, standardise=parts_at_high)
    say("applying disclosure control to the selection table")
    attrition = attrition_content(cohort, min_cell)

    notes = general.notes + by_type.notes + age.notes + cox.notes + attrition.notes
    notes += monitor.notes
    if notes:
        _warn_suppressed(notes, min_cell)
    method = method_numbers(cohort, attrition.n_read, conf, min_cell)
    general_table = general.at(table_horizons)
    general_table = general_table[general_table["age_group"] == "all"].reset_index(drop=True)
    numbers = key_numbers(
        cohort, general_table, by_type.numbers, by_age, age.numbers, logrank, method, rules
    )
    return Content(
        numbers=_clean({**numbers, **monitor_numbers(monitor, cohort.rules)}),
        general=general_table,
        by_type=by_type.numbers,
        by_age=by_age,
        cox=cox,
        attrition=attrition.frame,
        curves=figure_curves(general, ("all", *labels), float(rules.high_horizon)),
        at_risk=numbers_at_risk(exact, general, range(0, int(rules.high_horizon) + 1), min_cell),
        logrank=logrank,
        method=method,
        cohort_rules=cohort.rules,
        suppression_notes=notes,
        monitor=monitor,
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


# -- rates and curves -----------------------------------------------------------------------
def _rates(cohort, criteria, horizons, by, conf: dict) -> pd.DataFrame:
    """Exact rates per criterion (``recidivism_rates`` shape, leading ``criterion`` column)."""
    table = recidivism_rates(cohort, list(criteria), horizons=horizons, by=by, **conf)
    return table.to_frame().reset_index(drop=True)


def month_grid(max_years: float) -> list[float]:
    """The figure grid: every whole month up to ``max_years`` (in years).

    Examples
    --------
    >>> month_grid(0.25)
    [0.08333333333333333, 0.16666666666666666, 0.25]
    """
    return [k / GRID_PER_YEAR for k in range(1, int(round(max_years * GRID_PER_YEAR)) + 1)]


def general_rates(
    cohort, horizons: Sequence[float], labels: Sequence[str], max_years: float, conf: dict
) -> pd.DataFrame:
    """Exact general recidivism, in total and per age group, at the table horizons and on
    the figure grid (every age group present, empty ones with ``n = 0``)."""
    times = sorted({*map(float, horizons), *month_grid(max_years)})
    exact = _rates(cohort, ["general"], times, ["age_group"], conf)
    return complete_groups(exact, ["age_group"], {"age_group": list(labels)})


def rates_by_type(
    cohort, rules: QualifierRules, conf: dict, min_cell: int, general: Containing | None = None
) -> Safe:
    """Recidivism per listed type of offence (empty frame if the cohort has none); each
    type only where general recidivism, which contains it, is published (R4)."""
    types = [c for c in rules.listed_criteria if c in cohort.criteria]
    if not types:
        return Safe(pd.DataFrame())
    priority = list(dict.fromkeys([float(rules.serious_horizon), *map(float, BY_TYPE_HORIZONS)]))
    published = publish_rates(
        _rates(cohort, types, sorted(priority), None, conf),
        min_cell,
        horizons=priority,
        containing=general,
    )
    return Safe(published.frame, published.notes)


def _ordered(frame: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """Rows of the total first, then the age groups in their order."""
    rank = {g: i for i, g in enumerate(("all", *labels))}
    order = frame["age_group"].map(rank).fillna(len(rank))
    return (
        frame.assign(_rank=order)
        .sort_values(["_rank", "horizon_years"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


def hidden_groups(by_age: pd.DataFrame) -> frozenset[str]:
    """The age groups disclosure control hid as groups (R1, R2): no curve, test, share or
    covariate for them."""
    parts = by_age[by_age["age_group"] != "all"]
    return frozenset(parts.loc[parts["n"].isna(), "age_group"].astype(str))


def groups_published_at(by_age: pd.DataFrame, labels: Sequence[str], horizon: float) -> bool:
    """Whether every age group's rate at ``horizon`` is published."""
    rows = by_age[np.isclose(by_age["horizon_years"], float(horizon))]
    rows = rows[rows["age_group"].isin(labels)]
    return len(rows) == len(labels) and bool((rows["status"] == "ok").all())


def figure_curves(
    published: PublishedRates, groups: Sequence[str], max_years: float
) -> dict[str, pd.DataFrame]:
    """The points each figure draws, per group: the published points up to ``max_years``."""
    f = published.frame
    shown = (f["status"] == "ok") & (f["horizon_years"] > 0) & (f["horizon_years"] <= max_years)
    curves = {}
    for g in groups:
        rows = f[shown & (f["age_group"] == g)].sort_values("horizon_years")
        if len(rows):
            curves[g] = pd.DataFrame(
                {
                    "years": rows["horizon_years"].to_numpy(float),
                    "rate": rows["rate"].to_numpy(float),
                    "ci_lower": rows["ci_lower"].to_numpy(float),
                    "ci_upper": rows["ci_upper"].to_numpy(float),
                }
            )
    return curves


def numbers_at_risk(
    exact: pd.DataFrame, published: PublishedRates, years: Sequence[float], min_cell: int
) -> pd.DataFrame:
    """Persons still followed at whole ``years`` under the cumulative curve (R7), with the
    reoffenders where the curve is published, so that no one can subtract one from the other."""
    total = exact[exact["age_group"] == "all"].drop_duplicates("horizon_years")
    total = total.set_index(total["horizon_years"].astype(float))
    shown = published.frame[published.frame["age_group"] == "all"]
    shown = set(shown.loc[shown["status"] == "ok", "horizon_years"].astype(float))
    n, at_risk, events = float(total["n"].max()), [], []
    for y in map(float, years):
        row = total.loc[y] if y in total.index else None
        at_risk.append(n if y == 0 else float(row["n_at_risk"]) if row is not None else 0.0)
        events.append(0.0 if y == 0 else float(row["n_events"]) if y in shown else np.nan)
    frame = pd.DataFrame({"years": list(years), "n_at_risk": at_risk, "n_events": events})
    return disclosure.suppress_at_risk(frame, min_cell)


def age_numbers(
    profile: AgeProfile,
    by_age: pd.DataFrame,
    labels: Sequence[str],
    rates_published: bool,
    min_cell: int,
) -> Safe:
    """The shares under the age cut (R8): among offenders when both age groups are
    published, among recidivists when their rates at the profile's horizon are too."""
    p = profile
    off_hidden = bool(hidden_groups(by_age)) or disclosure.share_is_disclosive(
        p.n_young, p.n, min_cell
    )
    rec_hidden = off_hidden or not rates_published
    notes = []
    if off_hidden:
        notes.append(f"share under {p.cut} among offenders: an age group is not published")
    if rec_hidden:
        notes.append(
            f"share under {p.cut} among recidivists: the age groups' rates are not published"
        )
    high = by_age[np.isclose(by_age["horizon_years"], p.horizon_years)].set_index("age_group")
    corrected = None if rec_hidden else disclosure.rounded(p.share_young_recidivists, 2)
    raw_hidden = rec_hidden or disclosure.share_is_disclosive(
        p.n_young_recidivists, p.n_recidivists, min_cell
    )
    numbers = {
        "cut": p.cut,
        "horizon_years": p.horizon_years,
        "share_under_cut_offenders": {
            "value": None if off_hidden else disclosure.rounded(p.share_young_offenders, 2),
            "n": int(p.n),
            "n_under_cut": None if off_hidden else int(p.n_young),
            "status": "suppressed" if off_hidden else "ok",
        },
        "share_under_cut_recidivists": {
            "value": corrected,
            "rate_under_cut": None if rec_hidden else _clean(high.at[labels[0], "rate"]),
            "rate_cut_and_over": None if rec_hidden else _clean(high.at[labels[1], "rate"]),
            "ci_lower": None if corrected is None else disclosure.rounded(p.ci_lower, 2),
            "ci_upper": None if corrected is None else disclosure.rounded(p.ci_upper, 2),
            "conf_level": p.conf_level,
            "raw": None if raw_hidden else disclosure.rounded(p.share_young_recidivists_raw, 2),
            "method": (
                f"share under {p.cut} among those who reoffend within {p.horizon_years:g} "
                "years, Kaplan-Meier corrected for unequal observation periods: "
                "p F<(t) / (p F<(t) + (1 - p) F>=(t)); CI by the delta method on the logit "
                "scale; raw: among those seen to reoffend within the same horizon"
            ),
            "status": "suppressed"
            if rec_hidden
            else ("ok" if corrected is not None else "insufficient_follow_up"),
        },
    }
    return Safe(numbers, tuple(notes))


def logrank_numbers(frame: pd.DataFrame, hidden: frozenset[str]) -> dict:
    """The log-rank test across age groups; ``None`` values when a group is hidden."""
    groups = frame["age_group"].astype(str)
    if hidden or groups.nunique() <= 1:
        return {"statistic": None, "df": None, "p_value": None}
    lr = logrank_test(frame["days"], frame["event"], groups)
    return {
        "statistic": round(float(lr.statistic), 2),
        "df": int(lr.df),
        "p_value": round(float(lr.p_value), 3),
    }


# -- selection, method and the key numbers ----------------------------------------------------
def attrition_content(cohort, min_cell: int) -> Attrition:
    """The persons left out per step and the persons read, protected as a partition (R2).

    Only the person steps are published: the case steps count case rows, not persons, and
    the cohort does not keep whose they are, so R10 cannot be checked for them.
    """
    attrition = getattr(cohort, "attrition", None)
    cols = ["table", "step", "reason", "n_excluded", "suppressed"]
    n_analysed = int(len(cohort.persons))
    if attrition is None or len(attrition) == 0:
        return Attrition(pd.DataFrame(columns=cols), n_analysed)
    rows = attrition[attrition["table"] == "persons"].reset_index(drop=True)
    if not len(rows):
        return Attrition(pd.DataFrame(columns=cols), n_analysed)
    n_read = int(rows["n_before"].iloc[0])
    # persons read - persons analysed = the exclusions: both are published, so their
    # difference is a published total of the exclusions
    safe, hide_total, notes = disclosure.suppress_counts(
        rows[["table", "step", "reason", "n_excluded"]], "n_excluded", min_cell, n_read - n_analysed
    )
    notes = [f"selection persons {n}" for n in notes]
    if hide_total or not disclosure.count_is_safe(n_read, min_cell):
        n_read = None
        notes.append("selection: persons read hidden so that it does not reveal a small step")
    return Attrition(safe[cols], n_read, tuple(notes))


def method_numbers(cohort, n_read: int | None, conf: dict, min_cell: int) -> dict:
    """The numbers of the method box and the provenance (the median follow-up by R9)."""
    persons = cohort.persons
    followup = (
        persons["followup_days"].to_numpy(float) / defaults.DAYS_PER_YEAR
        if "followup_days" in persons
        else np.array([])
    )
    rules = cohort.rules
    return {
        "n_read": n_read,
        "n_analysed": int(len(persons)),
        "cutoff_date": _date(getattr(cohort, "cutoff_date", None)),
        "median_followup_years": disclosure.coarse_median(followup, min_cell),
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


def monitor_numbers(monitor: MonitorContent, rules: CohortRules) -> dict:
    """The further key figures: serious rates, thresholds, median time, competing risks."""
    serious = {
        f"{r.criterion}|{horizon_key(r.horizon_years)}": _cell(r)
        for _, r in monitor.serious.iterrows()
    }
    competing = {horizon_key(r.horizon_years): _cell(r) for _, r in monitor.competing.iterrows()}
    return {
        "serious": serious,
        "penalty_years": {
            "serious": float(rules.serious_min_penalty_years),
            "very_serious": float(rules.very_serious_min_penalty_years),
        },
        "median_time": monitor.median,
        "competing": competing,
    }


def _cell(row: pd.Series) -> dict:
    """A published rate row as a JSON-ready dict (``None`` for hidden or not estimable)."""
    keys = ("horizon_years", "rate", "ci_lower", "ci_upper", "n", "status")
    out = {k: _clean(row[k]) for k in keys if k in row.index}
    if out.get("n") is not None:
        out["n"] = int(out["n"])
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

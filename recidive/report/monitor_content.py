"""The Recidivemonitor's further numbers of the section, estimated and made safe.

Besides general recidivism and its types (:mod:`~recidive.report.content`), the
Recidivemonitor reports serious and very serious recidivism (a new crime with a statutory
maximum of at least 4 and 8 years), the speed of recidivism (the median time to the first
reoffence), rates by type of offence within each age band, and, as a sensitivity
analysis, recidivism with death as a competing event. This module estimates those numbers
and hands each to disclosure control before anything is formatted:

* rate tables go through :func:`~recidive.report.safe_rates.publish_rates`; serious
  recidivism is contained in general recidivism, very serious in serious, and each type
  of offence within an age group in general recidivism of that group, so each is
  published only where its container is and its difference from it is 0 or at least
  ``min_cell`` persons (:class:`~recidive.report.safe_rates.Containing`);
* the median time is read from the Kaplan-Meier curve (R ``quantile.survfit``) and
  published, to a tenth of a year (else half a year), only where the published curve
  reaches 50% and the rounding interval around each value holds at least ``min_cell``
  reoffences with at least ``min_cell`` persons before and after it (R9); "not reached" when the curve, or a
  confidence limit, stays under 50%;
* the competing-risks rates (Aalen-Johansen, :mod:`recidive.competing_rates`) go through
  the same rules, and a horizon is hidden when 1 to ``min_cell - 1`` persons died before
  it without reoffending (the gap between the two estimates would point at them).

No step writes text; the words are :mod:`~recidive.report.monitor_text`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive import defaults
from recidive.cohort_rates import recidivism_rates
from recidive.errors import InsufficientFollowUpWarning
from recidive.estimation.horizon_rates import survival_rates
from recidive.estimation.kaplan_meier import kaplan_meier
from recidive.report.safe_rates import (
    Containing,
    PublishedRates,
    complete_groups,
    publish_rates,
)

#: Horizons (years) of the serious, competing-risks and type-by-age tables.
MONITOR_HORIZONS: tuple[float, ...] = defaults.HORIZONS_YEARS
#: The Recidivemonitor's seriousness criteria, in the order of the table.
SERIOUS_CRITERIA: tuple[str, ...] = ("serious", "very_serious")
#: Steps (years) a published median time is rounded to: the finest that is safe (R9).
MEDIAN_STEPS: tuple[float, ...] = (0.1, 0.5)


@dataclass(frozen=True)
class MonitorContent:
    """The further numbers after disclosure control (frames with hidden cells NaN).

    Attributes
    ----------
    serious : DataFrame
        Published rates of ``serious`` and ``very_serious`` at the horizons.
    median : dict
        Median time to general recidivism in years with its interval and a status
        (``ok``, ``not_reached``, ``suppressed``).
    competing : DataFrame
        Published general recidivism with death as a competing event (Aalen-Johansen).
    by_type_age : DataFrame
        Published rates per type of offence and age group: ``split`` (``age_band`` or
        ``age_group``), ``age``, ``criterion``, ``horizon_years``, ``n``, ``rate``,
        ``ci_lower``, ``ci_upper``, ``status``, ``suppressed``.
    notes : tuple of str
        What disclosure control hid, for the section's warning.
    """

    serious: pd.DataFrame
    median: dict
    competing: pd.DataFrame
    by_type_age: pd.DataFrame
    notes: tuple[str, ...] = ()


def monitor_content(
    cohort,
    general: Containing | None,
    published: pd.DataFrame,
    types: Sequence[str],
    conf: dict,
    min_cell: int,
    horizons: Sequence[float] = MONITOR_HORIZONS,
) -> MonitorContent:
    """Estimate and protect the serious, speed, competing-risks and type-by-age numbers.

    Parameters
    ----------
    cohort : Cohort
    general : Containing or None
        General recidivism by ``age_group`` (total ``"all"``), exact and published: the
        container of serious recidivism.
    published : DataFrame
        General recidivism by ``age_group`` as published (on the figure grid): the curve
        the median is read against.
    types : sequence of str
        The listed types of offence (criteria of the cohort).
    conf : dict
        ``conf_type`` and ``conf_level``.
    min_cell : int
    horizons : sequence of float

    Returns
    -------
    MonitorContent
    """
    horizons = [float(h) for h in horizons]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientFollowUpWarning)
        serious = serious_rates(cohort, general, conf, min_cell, horizons)
        competing = competing_rates(cohort, conf, min_cell, horizons)
        by_type_age = type_age_rates(cohort, types, conf, min_cell, horizons, general)
    median = median_time(cohort, published, conf, min_cell)
    notes = serious.notes + competing.notes + by_type_age.notes
    if median["status"] == "suppressed":
        notes += ("median time to recidivism: the published curve does not reach it",)
    return MonitorContent(
        serious=serious.frame,
        median=median,
        competing=competing.frame,
        by_type_age=by_type_age.frame,
        notes=notes,
    )


def _exact(cohort, criteria, horizons, by, conf, estimator="kaplan-meier") -> pd.DataFrame:
    table = recidivism_rates(cohort, list(criteria), horizons, by, estimator=estimator, **conf)
    return table.to_frame().reset_index(drop=True)


def serious_rates(cohort, general: Containing | None, conf, min_cell, horizons) -> PublishedRates:
    """Serious within general, very serious within serious, at the horizons."""
    present = [c for c in SERIOUS_CRITERIA if c in cohort.criteria]
    if not present:
        return PublishedRates(pd.DataFrame(), ())
    frames, notes, container = [], (), general
    for criterion in present:
        exact = _exact(cohort, [criterion], horizons, None, conf)
        safe = publish_rates(exact, min_cell, horizons=horizons, containing=container)
        frames.append(safe.frame)
        notes += tuple(f"{criterion}: {n}" for n in safe.notes)
        container = Containing(exact, safe.frame)
    return PublishedRates(pd.concat(frames, ignore_index=True), notes)


def competing_rates(cohort, conf, min_cell, horizons) -> PublishedRates:
    """General recidivism with death competing; a horizon hidden after 1 to m-1 deaths."""
    if "end_reason" not in cohort.persons:
        return PublishedRates(pd.DataFrame(), ())
    exact = _exact(cohort, ["general"], horizons, None, conf, estimator="aalen-johansen")
    safe = publish_rates(exact, min_cell, horizons=horizons)
    frame, notes = safe.frame.copy(), list(safe.notes)
    persons = cohort.persons
    died = (persons["end_reason"].astype(str) == "death") & (persons["general_event"] == 0)
    days = persons["general_days"].to_numpy(float)
    for i, h in enumerate(frame["horizon_years"].astype(float)):
        deaths = int((died & (days <= h * defaults.DAYS_PER_YEAR)).sum())
        if 0 < deaths < min_cell and frame.at[i, "status"] != "suppressed":
            frame.loc[i, ["rate", "ci_lower", "ci_upper"]] = np.nan
            frame.at[i, "status"] = "suppressed"
            frame.at[i, "suppressed"] = "rate,ci_lower,ci_upper"
            notes.append(f"competing risks {h:g}y: fewer than {min_cell} deaths")
    return PublishedRates(frame, tuple(notes))


def type_age_rates(
    cohort, types, conf, min_cell, horizons, general: Containing | None = None
) -> PublishedRates:
    """Each type of offence per monitor age group (<23/23+), then per fine age band inside
    each group: the bands are a hierarchy under the groups (docs/disclosure.md), so each
    group is published first (under general recidivism of that group, R5), and its bands
    with the group as their total, only at the group's published points (R2, R5)."""
    types = [c for c in types if c in cohort.criteria]
    if not types:
        return PublishedRates(pd.DataFrame(), ())
    persons = cohort.persons
    groups = [str(g) for g in persons["age_group"].cat.categories]
    exact = complete_groups(
        _exact(cohort, types, horizons, ["age_group"], conf), ["age_group"], {"age_group": groups}
    )
    coarse = publish_rates(exact, min_cell, by=["age_group"], horizons=horizons, containing=general)
    notes = tuple(f"age_group: {n}" for n in coarse.notes)
    frames = [_labelled(coarse.frame, "age_group")]
    nested = _bands_in_groups(persons)
    long = cohort.survival_long(types)
    for group in groups:
        bands = nested.get(group)
        if bands is None:  # a band straddles the groups: no hierarchy, no band published
            notes += (f"age bands of {group}: not nested in the monitor's age groups",)
            continue
        rows = long[long["age_group"].astype(str) == group]
        if not len(rows):  # an empty group: its bands show as hidden, never left out
            frames.append(_hidden_bands(coarse.frame, group, bands))
            continue
        block, block_notes = _bands_of_group(rows, group, bands, coarse.frame, conf, min_cell)
        frames.append(block)
        notes += block_notes
    numeric = {c: float for c in ("horizon_years", "n", "rate", "ci_lower", "ci_upper")}
    text = {c: object for c in ("split", "criterion", "age", "status", "suppressed")}
    frames = [f.astype({**numeric, **text}) for f in frames if len(f)]
    out = pd.concat(frames, ignore_index=True)
    return PublishedRates(out, notes)


#: The published columns of the type-by-age rows.
TYPE_AGE_COLUMNS: tuple[str, ...] = (
    "split",
    "criterion",
    "age",
    "horizon_years",
    "n",
    "rate",
    "ci_lower",
    "ci_upper",
    "status",
    "suppressed",
)


def _labelled(frame: pd.DataFrame, split: str) -> pd.DataFrame:
    """The published rows of one grouping, named ``split`` and ``age``, no totals."""
    out = frame[frame[split].astype(str) != "all"].rename(columns={split: "age"})
    out = out.assign(split=split, age=out["age"].astype(str))
    return out[list(TYPE_AGE_COLUMNS)].reset_index(drop=True)


def _bands_in_groups(persons: pd.DataFrame) -> dict[str, list[str]]:
    """The fine age bands inside each monitor age group; a band with persons in two groups
    leaves both groups without bands."""
    table = pd.crosstab(persons["age_band"].astype(str), persons["age_group"].astype(str))
    out: dict[str, list[str]] = {str(g): [] for g in persons["age_group"].cat.categories}
    straddling = set()
    for band in (str(b) for b in persons["age_band"].cat.categories):
        holders = [g for g in table.columns if band in table.index and table.at[band, g] > 0]
        if len(holders) > 1:
            straddling.update(holders)
        elif holders:
            out[holders[0]].append(band)
    labels = [str(b) for b in persons["age_band"].cat.categories]
    for g in out:  # an empty band joins the group its neighbours are in
        out[g] = [b for b in labels if b in out[g]]
    return {g: (None if g in straddling else bands) for g, bands in out.items()}


def _hidden_bands(coarse: pd.DataFrame, group: str, bands: list[str]) -> pd.DataFrame:
    """Every band of an empty group at the group's horizons, hidden (R1)."""
    shown = coarse[coarse["age_group"].astype(str) == group]
    rows = [
        {
            "split": "age_band",
            "criterion": r["criterion"],
            "age": band,
            "horizon_years": float(r["horizon_years"]),
            "n": np.nan,
            "rate": np.nan,
            "ci_lower": np.nan,
            "ci_upper": np.nan,
            "status": "suppressed",
            "suppressed": "n,rate,ci_lower,ci_upper",
        }
        for band in bands
        for _, r in shown.iterrows()
    ]
    return pd.DataFrame(rows, columns=list(TYPE_AGE_COLUMNS))


def _bands_of_group(long, group, bands, coarse, conf, min_cell):
    """The bands of one age group, with the group (as published) as their total."""
    frames, notes = [], ()
    for criterion in long["criterion"].cat.categories:
        rows = long[long["criterion"] == criterion]
        shown = coarse[(coarse["criterion"] == criterion) & (coarse["age_group"] == group)]
        ok = shown.loc[shown["status"] == "ok", "horizon_years"].astype(float).tolist()
        exact = survival_rates(
            rows.assign(age_band=rows["age_band"].astype(str)),
            "days", "event", by=["age_band"], within=["criterion"], horizons=sorted(
                set(ok) or {float(h) for h in shown["horizon_years"]}
            ), **conf,
        ).to_frame()  # fmt: skip
        exact = complete_groups(exact, ["age_band"], {"age_band": bands})
        if ok:
            safe = publish_rates(exact, min_cell, by=["age_band"], horizons=ok)
            frame, notes = safe.frame, notes + tuple(f"{group}: {n}" for n in safe.notes)
        else:  # the group itself is not published: nor are its bands
            frame = exact.assign(suppressed="n,rate,ci_lower,ci_upper", status="suppressed")
            frame[["n", "rate", "ci_lower", "ci_upper"]] = np.nan
        frame = frame[frame["age_band"].isin(bands)]
        frames.append(_fill_horizons(frame, shown, bands))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return _labelled(out, "age_band"), notes


def _fill_horizons(frame: pd.DataFrame, shown: pd.DataFrame, bands: list[str]) -> pd.DataFrame:
    """Rows at the group's horizons the bands were not published at: hidden (or past
    follow-up, as the group)."""
    rows = [frame]
    have = set(frame["horizon_years"].astype(float))
    for _, g in shown.iterrows():
        h = float(g["horizon_years"])
        if h in have:
            continue
        for _, block in frame.groupby("age_band", sort=False):
            row = block.iloc[:1].copy()
            row["horizon_years"] = h
            row[["rate", "ci_lower", "ci_upper"]] = np.nan
            past = g["status"] == "insufficient_follow_up"
            row["status"] = "insufficient_follow_up" if past else "suppressed"
            row["suppressed"] = "" if past else "rate,ci_lower,ci_upper"
            rows.append(row)
    out = pd.concat(rows, ignore_index=True)
    rank = out["age_band"].map({b: i for i, b in enumerate(bands)})
    order = np.lexsort((out["horizon_years"].to_numpy(float), rank.to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def median_time(cohort, published: pd.DataFrame, conf: dict, min_cell: int = 1) -> dict:
    """Median time to general recidivism (years) with its CI, as R ``quantile.survfit``.

    Published rounded to the finest of :data:`MEDIAN_STEPS` (a tenth, else half a year)
    at which the estimate and each finite limit are safe (R9 of docs/disclosure.md): the
    step-wide interval around the rounded value holds at least ``min_cell`` reoffences
    and at least ``min_cell`` persons leave before it and after it, so no rounded value
    points at one person's reoffence day; and only where the published total curve
    reaches 50%.
    """
    persons = cohort.persons
    days = persons["general_days"].to_numpy(float)
    event = persons["general_event"].to_numpy(np.int64)
    km = kaplan_meier(days, event, conf_type=conf["conf_type"], conf_level=conf["conf_level"])
    est, lower, upper = (x / defaults.DAYS_PER_YEAR for x in km.quantile(0.5))
    total = published[(published["age_group"].astype(str) == "all") & (published["status"] == "ok")]
    reached = bool((total["rate"] >= 0.5).any())

    def rounded(x: float, step: float) -> float | None:
        return round(round(float(x) / step) * step, 1) if np.isfinite(x) else None

    def safe(x: float, step: float) -> bool:
        if not np.isfinite(x):
            return True  # "not reached" reveals no one
        lo, hi = (rounded(x, step) + np.array([-0.5, 0.5]) * step) * defaults.DAYS_PER_YEAR
        inside = int(((days >= lo) & (days < hi) & (event == 1)).sum())
        below, above = int((days < lo).sum()), int((days >= hi).sum())
        return min(inside, below, above) >= min_cell

    step = next((s for s in MEDIAN_STEPS if all(safe(x, s) for x in (est, lower, upper))), None)
    if not np.isfinite(est):
        status = "not_reached"
    elif not reached or step is None:
        status = "suppressed"
    else:
        status = "ok"
    ok = status == "ok"

    def shown(x: float) -> float | None:
        return rounded(x, step) if ok else None

    return {
        "years": shown(est),
        "ci_lower": shown(lower),
        "ci_upper": shown(upper),
        "upper_reached": bool(np.isfinite(upper)),
        "step_years": step if ok else None,
        "status": status,
    }

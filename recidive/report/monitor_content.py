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
  published, to a tenth of a year, only where the published curve reaches 50% (so it
  lies between published points at least ``min_cell`` reoffenders apart); "not reached"
  when the curve, or a confidence limit, stays under 50%;
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
#: Decimals of a published median time (years).
MEDIAN_DECIMALS = 1


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
        by_type_age = type_age_rates(cohort, types, conf, min_cell, horizons)
    median = median_time(cohort, published, conf)
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


def type_age_rates(cohort, types, conf, min_cell, horizons) -> PublishedRates:
    """Each type of offence per age band and per monitor age group, under its container."""
    types = [c for c in types if c in cohort.criteria]
    if not types:
        return PublishedRates(pd.DataFrame(), ())
    frames, notes = [], ()
    for split in ("age_band", "age_group"):
        labels = list(cohort.persons[split].cat.categories)
        exact_general = _complete(
            _exact(cohort, ["general"], horizons, [split], conf), split, labels
        )
        general = publish_rates(exact_general, min_cell, by=[split], horizons=horizons)
        container = Containing(exact_general, general.frame, by=(split,))
        exact = _complete(_exact(cohort, types, horizons, [split], conf), split, labels)
        safe = publish_rates(exact, min_cell, by=[split], horizons=horizons, containing=container)
        frame = safe.frame[safe.frame[split].astype(str) != "all"].copy()
        frame.insert(0, "split", split)
        frames.append(frame.rename(columns={split: "age"}))
        notes += tuple(f"{split}: {n}" for n in safe.notes)
    out = pd.concat(frames, ignore_index=True)
    out["age"] = out["age"].astype(str)
    return PublishedRates(out, notes)


def _complete(exact: pd.DataFrame, split: str, labels: list[str]) -> pd.DataFrame:
    """Every age group present in every criterion (an empty group as ``n = 0``), so that a
    group without persons shows as suppressed rather than being left out."""
    return complete_groups(exact, [split], {split: labels})


def median_time(cohort, published: pd.DataFrame, conf: dict) -> dict:
    """Median time to general recidivism (years) with its CI, as R ``quantile.survfit``."""
    persons = cohort.persons
    km = kaplan_meier(
        persons["general_days"].to_numpy(float),
        persons["general_event"].to_numpy(np.int64),
        conf_type=conf["conf_type"],
        conf_level=conf["conf_level"],
    )
    est, lower, upper = (x / defaults.DAYS_PER_YEAR for x in km.quantile(0.5))
    total = published[(published["age_group"].astype(str) == "all") & (published["status"] == "ok")]
    reached = bool((total["rate"] >= 0.5).any())

    def shown(x: float) -> float | None:
        return round(float(x), MEDIAN_DECIMALS) if np.isfinite(x) else None

    if not np.isfinite(est):
        status = "not_reached"
    elif not reached:
        status = "suppressed"
    else:
        status = "ok"
    ok = status == "ok"
    return {
        "years": shown(est) if ok else None,
        "ci_lower": shown(lower) if ok else None,
        "ci_upper": shown(upper) if ok else None,
        "upper_reached": bool(np.isfinite(upper)),
        "status": status,
    }

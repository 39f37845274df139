"""The frequency block of the section: new cases per 100 offenders, made safe.

The numbers come from :func:`recidive.frequency.reoffending_frequency` (the mean cumulative
function of counted cases, censoring handled); this module decides what of it may be
published. The disclosure threshold counts persons, not events, so a frequency is a total
of events that are not persons (rule R10 of :mod:`~recidive.report.disclosure`; its
application here is the row "R10 (frequency)" of ``docs/disclosure.md``):

- at a horizon, the frequency is published only where the section publishes general
  recidivism of the cohort at that horizon (so at least ``m`` reoffenders and ``m`` still
  at risk, R3, R4): ``mcf / per_recidivist`` gives that rate back, and ``mcf x N`` roughly
  the number of cases;
- the counted cases by the horizon pass :func:`~recidive.report.disclosure.safe_event_total`
  (at least ``m`` persons contribute, nk-dominance (2, 90%), p-ratio 10%): a few persons
  with many cases must not make the number;
- the published points of the curve (table horizons and the figure's whole months) form
  one sorted set in which the cases between consecutive points (and before the first)
  pass the same test or are none: differences between points are event totals too. The
  table's horizons are chosen first; a month of the figure joins only where it keeps both
  increments around it safe and at least ``m`` persons are still followed (R6).

Only the cohort as a whole is shown (no groups), so no partition rule is needed. Values are
rounded to the precision printed. Nothing here writes text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive import defaults
from recidive.frequency import case_history, reoffending_frequency
from recidive.report import disclosure
from recidive.validation import positions

#: Horizons (years) of the frequency table.
FREQUENCY_HORIZONS: tuple[float, ...] = tuple(float(h) for h in defaults.HORIZONS_YEARS)
#: Points per year of the figure's grid (whole months), and its last year.
GRID_PER_YEAR = 12
#: Decimals published: the mean per offender and per recidivist (per 100: whole numbers).
FREQUENCY_DECIMALS = 2
#: Columns of :attr:`FrequencyContent.table`.
TABLE_COLUMNS: tuple[str, ...] = (
    "horizon_years",
    "n",
    "per_100",
    "mcf",
    "ci_lower",
    "ci_upper",
    "per_recidivist",
    "status",
    "suppressed",
)


@dataclass(frozen=True)
class FrequencyContent:
    """The frequency numbers after disclosure control.

    Attributes
    ----------
    table : DataFrame
        Per table horizon (``TABLE_COLUMNS``): hidden values NaN, ``status`` ``ok``,
        ``suppressed`` or ``insufficient_follow_up``.
    curve : DataFrame
        The figure's points ``years, mcf, ci_lower, ci_upper`` (the table's published
        horizons among them).
    death_terminal : dict
        Horizon key to the Ghosh-Lin mean frequency (death ends the process), where the
        frequency is published: the sensitivity the method box reports.
    notes : tuple of str
        What disclosure control hid.
    """

    table: pd.DataFrame
    curve: pd.DataFrame
    death_terminal: dict
    notes: tuple[str, ...] = ()


def frequency_content(
    cohort,
    min_cell: int,
    general: pd.DataFrame,
    horizons: Sequence[float] = FREQUENCY_HORIZONS,
    max_years: float = 7.0,
) -> FrequencyContent:
    """Estimate the frequency of general reoffending and apply disclosure control (R10).

    Parameters
    ----------
    cohort : Cohort
    min_cell : int
        Disclosure threshold in persons.
    general : DataFrame
        The section's published general recidivism of the cohort (``horizon_years``,
        ``status``): a frequency is published only where that rate is.
    horizons : sequence of float
        Horizons of the table (years).
    max_years : float
        Last year of the figure.
    """
    grid = [k / GRID_PER_YEAR for k in range(1, int(round(max_years * GRID_PER_YEAR)) + 1)]
    times = sorted({*map(float, horizons), *grid})
    exact = reoffending_frequency(cohort, horizons=times).to_frame()
    exact = exact.set_index(exact["horizon_years"].astype(float))
    cases = _cases_by_person(cohort)
    rate_ok = set(general.loc[general["status"] == "ok", "horizon_years"].astype(float))
    notes: list[str] = []
    points: list[float] = []
    for h in map(float, horizons):  # the table first, each point against the set so far
        why = _why_hidden(h, exact, cases, points, min_cell, rate_ok)
        if why:
            notes.append(f"frequency {h:g} years: {why}")
        else:
            points = sorted([*points, h])
    for g in grid:  # then the months the table's points leave safe
        if g not in points and not _why_hidden(g, exact, cases, points, min_cell, None):
            points = sorted([*points, g])
    table = _table(exact, horizons, points)
    curve = exact.loc[points, ["mcf", "ci_lower", "ci_upper"]].round(FREQUENCY_DECIMALS)
    curve.insert(0, "years", np.asarray(points, dtype=float))
    published = table[table["status"] == "ok"]
    death = {
        f"{h:g}": disclosure.rounded(exact.at[h, "mcf_death_terminal"], FREQUENCY_DECIMALS)
        for h in published["horizon_years"]
    }
    return FrequencyContent(table, curve.reset_index(drop=True), death, tuple(notes))


def _cases_by_person(cohort) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per counted case of general recidivism its person's position and day; per person
    the days followed."""
    history = case_history(cohort, "general")
    pos = positions(cohort.persons["person_id"], history["person_id"])
    keep = pos >= 0
    n_cases = history["n_cases"].to_numpy()[keep]
    return (
        np.repeat(pos[keep], n_cases),
        np.repeat(history["days"].to_numpy()[keep], n_cases),
        cohort.persons["followup_days"].to_numpy(),
    )


def _why_hidden(h, exact, cases, points, min_cell, rate_ok) -> str:
    """Why the frequency at ``h`` may not join the published ``points`` ("" if it may)."""
    row = exact.loc[h]
    if row["status"] != "ok":
        return "not estimable"
    if rate_ok is not None and h not in rate_ok:
        return "general recidivism is not published at this horizon"
    person, day, followup = cases
    followed = np.count_nonzero(followup >= h * defaults.DAYS_PER_YEAR)
    if row["mcf"] > 0 and not disclosure.count_is_safe(followed, min_cell):
        return f"fewer than {min_cell} persons followed"
    cuts = sorted({0.0, *points, h})
    i = cuts.index(h)
    for lo, hi in ((cuts[i - 1], h), (h, cuts[i + 1] if i + 1 < len(cuts) else None)):
        if hi is None:
            continue
        inside = (day > lo * defaults.DAYS_PER_YEAR) & (day <= hi * defaults.DAYS_PER_YEAR)
        if lo == 0.0:
            inside |= day == 0  # cases at the start of follow-up
        counts = np.bincount(person[inside])
        total, why = disclosure.safe_event_total(counts, min_cell)
        if total is None:
            return f"cases between {lo:g} and {hi:g} years: {why}"
    return ""


def _table(exact: pd.DataFrame, horizons, points) -> pd.DataFrame:
    rows = []
    for h in map(float, horizons):
        r = exact.loc[h]
        shown = h in points
        status = "ok" if shown else r["status"] if r["status"] != "ok" else "suppressed"
        rows.append(
            {
                "horizon_years": h,
                "n": int(r["n"]),
                "per_100": round(float(r["per_100"])) if shown else np.nan,
                "mcf": disclosure.rounded(r["mcf"], FREQUENCY_DECIMALS) if shown else np.nan,
                "ci_lower": disclosure.rounded(r["ci_lower"], FREQUENCY_DECIMALS)
                if shown
                else np.nan,
                "ci_upper": disclosure.rounded(r["ci_upper"], FREQUENCY_DECIMALS)
                if shown
                else np.nan,
                "per_recidivist": disclosure.rounded(r["per_recidivist"], FREQUENCY_DECIMALS)
                if shown
                else np.nan,
                "status": status,
                "suppressed": ""
                if shown or status != "suppressed"
                else "per_100,mcf,per_recidivist",
            }
        )
    frame = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    numeric = ("per_100", "mcf", "ci_lower", "ci_upper", "per_recidivist")
    return frame.astype({c: float for c in numeric})

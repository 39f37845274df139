"""Disclosure control: the policy, as rules on the numbers, before anything is formatted or drawn.

Everything a section publishes (Markdown, HTML, JSON, figures, both languages) and every
file the CLI writes leaves the analysis environment, so no count of 1 to ``min_cell - 1``
persons (``m``, default 10) may be published *or derivable* from what is published. The
rules below are functions on counts and rates; :mod:`~recidive.report.safe_rates` applies
them to rate curves, :mod:`~recidive.report.content` to the whole section. The policy is
documented for readers in ``docs/disclosure.md`` and, in short, in the section's method box.

Rules
-----
R1 *Group sizes.* A group (the cohort, an age group, any stratum) is published, with
   everything about it, only when it holds at least ``m`` persons. An empty group counts
   as small: it is shown as suppressed (×), never left out (leaving it out would say that
   it is empty, e.g. reveal a lone person's age group).
R2 *Partitions.* Where groups add up to a published total, the hidden groups together
   hold at least ``m`` persons; otherwise the smallest visible group is hidden too, or the
   total when none is left (:func:`hidden_groups`, :func:`protect_partition`). The same
   for the persons excluded per step of the selection and the persons read
   (:func:`suppress_counts`).
R3 *Rates.* The rate of a published group at a time ``t`` (its interval with it) is
   published only when at least ``m`` persons are still at risk at ``t`` and the number
   of persons with an event by ``t`` is 0 or at least ``m``. Rates are published without
   their counts of events and persons at risk, without standard error, at one decimal of
   a percent (:data:`RATE_DECIMALS`, the precision of the tables; sentences round that to
   whole percents), so no output is more precise than the printed tables.
R4 *One set of time points per curve.* Everything published of one curve (table
   horizons, the points a figure draws) is one sorted set of time points in which the
   events between consecutive points, and before the first, are 0 or at least ``m``
   (:func:`select_points`). Points that break it are left out (secondary suppression),
   the horizons the text needs first, then the other table horizons, then the figure's
   grid points where they keep the increments to their neighbours safe.
R5 *Partitioned and nested curves.* The groups of a partition (age groups inside the
   total) are published at one common set of time points, a subset of the total's: at
   each, every visible group is published and the union of the hidden groups obeys R3
   and R4 as if it were a group; so the groups' curves stop together, and total minus
   parts gives no hidden count at any point. A criterion contained in another (a type of
   offence in general recidivism: whoever has a property reoffence by ``t`` has a
   reoffence by ``t``) is published only where the containing one is, and their
   difference (reoffended, but not with that type) obeys R4 as one more curve.
R6 *Curves in figures* are drawn from the R4/R5 points only, on a grid of whole months
   (a drawn step's position is a grid point, never a reoffence day): each drawn step
   stands for at least ``m`` events, hence at least ``m`` persons leaving the risk set
   (ACRO's survival rule), and a curve stops where fewer than ``m`` remain at risk. The
   drawn curve passes through the table values at every published horizon and holds the
   last published value between points (it lags the estimator by at most one step).
R7 *Numbers at risk* under a figure are shown at whole years when at least ``m`` (0 is
   shown), when the persons who left since the previous shown number are 0 or at least
   ``m``, and, where the curve is published too, when the persons who left without a
   reoffence (persons leaving minus the reoffenders a rate difference gives) are 0 or at
   least ``m`` (:func:`suppress_at_risk`); others print as ×.
R8 *Shares and models.* A share of persons is published (whole percent,
   :data:`SHARE_DECIMALS`) only when the persons counted and not counted both number at
   least ``m`` (:func:`share_is_disclosive`); a share computed from group rates (young
   among recidivists) only where those rates are published. A Cox covariate is used only
   with at least ``m`` persons and ``m`` events on each side; standardised rates by age
   only where the age groups' rates are published.
R9 *Order statistics.* A median (median follow-up; median time to recidivism) is one
   person's value: it is published rounded to half years (:data:`MEDIAN_STEP_YEARS`) and
   only when at least ``m`` persons lie below and ``m`` above the half-year interval that
   holds it (:func:`coarse_median`).
R10 *Counts that are not persons* (recurrent reoffences, case rows) are published only
   when at least ``m`` persons contribute, the two largest contributors make less than
   90% of the total (nk-dominance, n = 2, k = 0.9) and the others make at least 10% of
   the largest (p-ratio, p = 0.1) (:func:`safe_event_total`). The case rows of the
   selection table are not published: the cohort does not keep who they belong to.
R11 *Minimum cohort.* Below ``2 m`` persons (:func:`minimum_cohort`) no rate other than
   0% could be published (a rate needs ``m`` events and ``m`` still at risk), so a
   section is refused with one line (:func:`check_cohort_size`) instead of an empty shell.
R12 ``min_cell`` is a whole number >= 1 (:func:`recidive._arguments.check_min_cell`);
   below 10 it warns; 1 switches suppression off.

Why rate x N gives no small count
---------------------------------
Kaplan-Meier redistributes the weight of a censored person to those still at risk, so
every person at risk at ``t`` carries a weight ``w >= 1/N`` and ``S(t-) = n(t) w``; the
jump at ``t`` is ``d(t) S(t-) / n(t) = d(t) w >= d(t) / N``. Summed over the event times
in ``(a, b]``: ``(r(b) - r(a)) N >= D(b) - D(a)`` and ``r(t) N >= D(t)``, with equality
without censoring. Rule R4 makes every such ``D(b) - D(a)`` 0 (then the two rates are
equal) or at least ``m``, so an attacker who multiplies published rates, or differences
of rates of one curve (table against table, table against figure), by ``N`` finds 0 or at
least ``m`` (less the rounding of the rates, ``0.0005 N``, which is under one person
for groups under 1,000). R5 does the same for total minus parts, R3's at-risk threshold
for the standard-error route ``n ~ p (1 - p) / se^2`` (the interval width behaves like
the number still at risk, never fewer than ``m``).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from recidive import defaults
from recidive.errors import DisclosureError

SUPPRESSED_STATUS = "suppressed"
#: Decimals of a published rate or interval bound (one decimal of a percent, as the tables).
RATE_DECIMALS = 3
#: Decimals of a published share (whole percent, as the sentences).
SHARE_DECIMALS = 2
#: Coarsening of published medians of time, in years.
MEDIAN_STEP_YEARS = 0.5
#: nk-dominance: the ``NK_N`` largest contributors may make less than ``NK_K`` of a total.
NK_N, NK_K = 2, 0.9
#: p-ratio: the contributors other than the two largest make at least ``P_RATIO`` of the largest.
P_RATIO = 0.1


def minimum_cohort(min_cell: int = defaults.MIN_CELL) -> int:
    """The fewest persons a section may be built on (R11): ``2 * min_cell``.

    Examples
    --------
    >>> minimum_cohort(10), minimum_cohort(1)
    (20, 2)
    """
    return 2 * int(min_cell)


def check_cohort_size(n_persons: int, min_cell: int = defaults.MIN_CELL) -> None:
    """Refuse a cohort too small to publish anything but zeros (R11).

    Raises
    ------
    recidive.errors.DisclosureError
        When ``n_persons < minimum_cohort(min_cell)``.

    Examples
    --------
    >>> check_cohort_size(25, 10)
    >>> check_cohort_size(12, 10)
    Traceback (most recent call last):
    ...
    recidive.errors.DisclosureError: the cohort has 12 persons; a section needs at least 20 (2 x min_cell, min_cell=10): below that no rate but 0% passes disclosure control; use a larger cohort, or min_cell=1 inside the secure environment only
    """
    least = minimum_cohort(min_cell)
    if n_persons < least:
        raise DisclosureError(
            f"the cohort has {n_persons} persons; a section needs at least {least} "
            f"(2 x min_cell, min_cell={min_cell}): below that no rate but 0% passes "
            "disclosure control; use a larger cohort, or min_cell=1 inside the secure "
            "environment only"
        )


def count_is_safe(count: float, min_cell: int = defaults.MIN_CELL) -> bool:
    """Whether a count (or a difference of counts) may be published: 0 or at least ``min_cell``.

    Examples
    --------
    >>> count_is_safe(0, 10), count_is_safe(4, 10), count_is_safe(10, 10)
    (True, False, True)
    """
    return bool(count == 0 or count >= min_cell)


def protect_partition(
    total: float | None, parts: dict, hidden: set, min_cell: int
) -> tuple[set, bool]:
    """Choose extra cells to hide so that a total does not reveal a hidden part (R2).

    Parameters
    ----------
    total : float or None
        The published total, or ``None`` if no total is published (nothing to do).
    parts : dict
        Key -> original (unsuppressed) value of every part of the total.
    hidden : set
        Keys of the parts already hidden.
    min_cell : int
        Threshold.

    Returns
    -------
    (set, bool)
        The keys hidden in the end and whether the total must be hidden too.

    Examples
    --------
    >>> hidden, hide_total = protect_partition(40, {"a": 4, "b": 16, "c": 20}, {"a"}, 10)
    >>> sorted(hidden), hide_total
    (['a', 'b'], False)
    """
    hidden = set(hidden)
    if total is None:
        return hidden, False
    while hidden and sum(float(parts[k]) for k in hidden) < min_cell:
        # hiding a zero protects nothing: take the smallest positive visible part
        visible = sorted(
            (k for k in parts if k not in hidden and float(parts[k]) > 0),
            key=lambda k: float(parts[k]),
        )
        if not visible:
            return hidden, True
        hidden.add(visible[0])
    return hidden, False


def hidden_groups(sizes: Mapping, min_cell: int = defaults.MIN_CELL) -> set:
    """The groups of a partition that are not published (R1 and R2).

    Groups of fewer than ``min_cell`` persons, empty ones included, are hidden; then, as
    the total is published, more groups until the hidden ones hold ``min_cell`` persons.

    Parameters
    ----------
    sizes : mapping
        Group -> number of persons; the groups add up to the (published) total.
    min_cell : int
        Threshold in persons.

    Returns
    -------
    set
        The hidden groups (all of them when no safe split is left).

    Examples
    --------
    >>> sorted(hidden_groups({"<23": 0, "23+": 45}, 10))
    ['23+', '<23']
    >>> sorted(hidden_groups({"a": 4, "b": 30, "c": 40}, 10))
    ['a', 'b']
    """
    small = {g for g, n in sizes.items() if n < min_cell}
    hidden, hide_total = protect_partition(sum(sizes.values()), dict(sizes), small, min_cell)
    return set(sizes) if hide_total else hidden


def select_points(
    events: np.ndarray,
    at_risk: np.ndarray,
    order: Sequence[int],
    min_cell: int = defaults.MIN_CELL,
    fill: Sequence[int] = (),
) -> list[int]:
    """The time points at which curves that share their points may be published (R3-R5).

    A point ``t`` is kept when every curve has at least ``min_cell`` persons at risk at
    ``t`` and, for every curve, the events between ``t`` and its neighbours among the
    kept points (the origin, with no events, before the first) are 0 or at least
    ``min_cell``. Points are tried in ``order`` (the horizons, most needed first), then
    ``fill`` (figure grid points, increasing); a fill point is kept only where some curve
    steps. Trying a point never undoes an earlier one, so the needed horizons win.

    Parameters
    ----------
    events : array (curves x times)
        Cumulative number of persons with an event by each candidate time, per curve;
        times increasing.
    at_risk : array (curves x times)
        Persons still at risk at each candidate time, per curve.
    order : sequence of int
        Indices of the candidate times to try first, in priority.
    min_cell : int
        Threshold in persons.
    fill : sequence of int
        Indices tried afterwards, in increasing time.

    Returns
    -------
    list of int
        The kept indices, increasing.

    Examples
    --------
    Events 12, 15, 25 and 40 by years 1 to 4, 20 persons still at risk throughout. With
    year 2 tried first, year 1 is left out (3 events between years 1 and 2); with year 1
    first, year 2 is:

    >>> import numpy as np
    >>> d = np.array([[12, 15, 25, 40]]); n = np.full((1, 4), 20)
    >>> select_points(d, n, order=[1], min_cell=10, fill=[0, 2, 3])
    [1, 2, 3]
    >>> select_points(d, n, order=[0, 1], min_cell=10, fill=[2, 3])
    [0, 2, 3]
    """
    events = np.atleast_2d(np.asarray(events, dtype=float))
    at_risk = np.atleast_2d(np.asarray(at_risk, dtype=float))
    zero = np.zeros(events.shape[0])
    chosen: list[int] = []
    priority = list(dict.fromkeys(int(j) for j in order))
    for j in priority + [int(j) for j in fill if int(j) not in priority]:
        if (at_risk[:, j] < min_cell).any() or j in chosen:
            continue
        k = bisect.bisect(chosen, j)
        before = events[:, chosen[k - 1]] if k else zero
        left = events[:, j] - before
        if j not in priority and not (left > 0).any():
            continue
        steps = [left] + ([events[:, chosen[k]] - events[:, j]] if k < len(chosen) else [])
        # a difference curve (a container minus a contained criterion) may fall: a fall of
        # 99 persons reveals 99, so the size of a step counts, not its sign
        if all(count_is_safe(abs(x), min_cell) for step in steps for x in step):
            chosen.insert(k, j)
    return chosen


def suppress_at_risk(at_risk: pd.DataFrame, min_cell: int = defaults.MIN_CELL) -> pd.DataFrame:
    """Numbers at risk under a figure that may be printed (R7).

    A number is shown when it is 0 or at least ``min_cell``, the persons who left since
    the previous shown number are 0 or at least ``min_cell``, and, where the curve is
    published at its time (``n_events`` given), the persons who left *without* an event
    since the previous such time (censored: persons leaving minus the reoffenders a rate
    difference gives) are 0 or at least ``min_cell`` too.

    Parameters
    ----------
    at_risk : DataFrame
        One row per time under the axis, increasing from 0, with the count in
        ``n_at_risk`` and optionally ``n_events``: the cumulative reoffenders where the
        curve is published at that time, NaN elsewhere.
    min_cell : int
        Threshold in persons.

    Returns
    -------
    DataFrame
        A copy with the hidden counts NaN and a ``suppressed`` column (``"n_at_risk"``
        on hidden rows), so that the figure prints ×.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"years": [0, 1, 2, 3, 4], "n_at_risk": [40, 36, 25, 6, 0]})
    >>> suppress_at_risk(f, 10)["n_at_risk"].tolist()
    [40.0, nan, 25.0, nan, 0.0]
    >>> f = pd.DataFrame({"years": [0, 1, 2, 3], "n_at_risk": [40, 36, 25, 12],
    ...                   "n_events": [0, float("nan"), 12, float("nan")]})
    >>> suppress_at_risk(f, 10)["n_at_risk"].tolist()  # 40 - 25 - 12 = 3 left by year 2
    [40.0, nan, nan, 12.0]
    """
    out = at_risk.copy()
    counts = out["n_at_risk"].astype(float).to_numpy()
    events = out["n_events"].astype(float).to_numpy() if "n_events" in out else counts * np.nan
    shown = np.zeros(len(counts), dtype=bool)
    last, last_with_events = None, None  # (at risk, reoffenders) where both are known
    for i, (n, d) in enumerate(zip(counts, events, strict=True)):
        safe = count_is_safe(n, min_cell) and (last is None or count_is_safe(last - n, min_cell))
        if safe and np.isfinite(d) and last_with_events is not None:
            left = last_with_events[0] - n - (d - last_with_events[1])
            safe = count_is_safe(left, min_cell)
        if safe:
            shown[i], last = True, n
            if np.isfinite(d):
                last_with_events = (n, d)
    out["n_at_risk"] = np.where(shown, counts, np.nan)
    out["suppressed"] = np.where(shown, "", "n_at_risk")
    return out.drop(columns=[c for c in ("n_events",) if c in out])


def share_is_disclosive(count: float, total: float, min_cell: int) -> bool:
    """Whether a share ``count / total`` of persons must be suppressed (R8).

    Examples
    --------
    >>> share_is_disclosive(4, 100, 10), share_is_disclosive(33, 100, 10)
    (True, False)
    """
    rest = total - count
    return bool((0 < count < min_cell) or (0 < rest < min_cell) or total < min_cell)


def suppress_counts(
    frame: pd.DataFrame,
    column: str,
    min_cell: int = defaults.MIN_CELL,
    total: float | None = None,
    label: str = "step",
) -> tuple[pd.DataFrame, bool, list[str]]:
    """Suppress small counts in a column whose values add up to a published total (R2).

    Used for the selection table: the persons excluded at every step plus the persons
    analysed add up to the persons read.

    Parameters
    ----------
    frame : DataFrame
        One row per part.
    column : str
        The count column.
    min_cell : int
        Threshold.
    total : float, optional
        The published total the parts add up to (with any parts not in ``frame``
        already subtracted), or ``None``.
    label : str
        Column naming each row in the messages.

    Returns
    -------
    (DataFrame, bool, list of str)
        The frame with hidden cells NaN (and a ``suppressed`` column), whether the
        total must be hidden, and messages.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"step": ["a", "b"], "n_excluded": [3, 40]})
    >>> out, hide_total, _ = suppress_counts(f, "n_excluded", 10, total=None)
    >>> out["n_excluded"].isna().tolist(), hide_total
    ([True, False], False)
    """
    out = frame.copy().reset_index(drop=True)
    out[column] = out[column].astype(float)
    out["suppressed"] = ""
    original = out[column].copy()
    notes = []
    hidden = {i for i in out.index if 0 < original[i] < min_cell}
    hidden_after, hide_total = protect_partition(
        total, {i: original[i] for i in out.index}, hidden, min_cell
    )
    for i in sorted(hidden_after):
        out.loc[i, column] = np.nan
        out.loc[i, "suppressed"] = column
        why = "under" if i in hidden else "protecting cells under"
        notes.append(f"{out.at[i, label]}: {column} {why} {min_cell}")
    return out, hide_total, notes


def coarse_median(
    values: Sequence[float], min_cell: int = defaults.MIN_CELL, step: float = MEDIAN_STEP_YEARS
) -> float | None:
    """A median rounded to ``step``, or ``None`` where it would show one person's value (R9).

    Parameters
    ----------
    values : sequence of float
        One value per person (e.g. follow-up in years).
    min_cell : int
        Persons needed below and above the ``step``-wide interval around the rounded
        median.
    step : float
        Rounding step.

    Returns
    -------
    float or None

    Examples
    --------
    >>> coarse_median([1.0] * 12 + [4.1] * 6 + [6.0] * 12, 10)
    4.0
    >>> coarse_median([1.0, 2.0, 3.0], 10) is None
    True
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2 * min_cell:
        return None
    value = float(np.round(np.median(x) / step) * step)
    below = int((x < value - step / 2).sum())
    above = int((x >= value + step / 2).sum())
    return value if below >= min_cell and above >= min_cell else None


def safe_event_total(
    contributions: Sequence[float],
    min_cell: int = defaults.MIN_CELL,
    nk: tuple[int, float] = (NK_N, NK_K),
    p: float = P_RATIO,
) -> tuple[float | None, str]:
    """A total of events that are not persons (recurrent reoffences), if it may be published (R10).

    Parameters
    ----------
    contributions : sequence of float
        Events per person (zeros allowed: persons without events do not contribute).
    min_cell : int
        Persons who must contribute.
    nk : (int, float)
        nk-dominance: the ``n`` largest contributions must make less than ``k`` of the total.
    p : float
        p-ratio: the contributions other than the two largest must make at least ``p`` of
        the largest.

    Returns
    -------
    (float or None, str)
        The total (``None`` when hidden) and why it was hidden (``""`` when published).
        A total of 0 is published.

    Examples
    --------
    >>> safe_event_total([1] * 12)
    (12.0, '')
    >>> safe_event_total([60, 30] + [1] * 10)
    (None, 'nk-dominance: the 2 largest contributors make 90% of the total (less than 90% allowed)')
    """
    x = np.sort(np.asarray(contributions, dtype=float))[::-1]
    x = x[x > 0]
    total = float(x.sum())
    if total == 0:
        return 0.0, ""
    if x.size < min_cell:
        return None, f"fewer than {min_cell} persons contribute"
    n, k = nk
    top = float(x[:n].sum())
    if top >= k * total:
        return None, (
            f"nk-dominance: the {n} largest contributors make {top / total:.0%} of the total "
            f"(less than {k:.0%} allowed)"
        )
    rest = total - float(x[:2].sum())
    if rest < p * float(x[0]):
        return None, f"p-ratio: the others make {rest / x[0]:.0%} of the largest, {p:.0%} needed"
    return total, ""


def rounded(value: float | None, decimals: int = RATE_DECIMALS) -> float | None:
    """A value at the precision it is published (``None`` and NaN stay ``None``).

    Examples
    --------
    >>> rounded(0.35814), rounded(float("nan")), rounded(0.4161, SHARE_DECIMALS)
    (0.358, None, 0.42)
    """
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), decimals)


def hidden_values(frame: pd.DataFrame, columns: Sequence[str] = ("rate", "n", "n_at_risk")):
    """Positions of suppressed cells, for tests and renderers.

    Examples
    --------
    >>> import pandas as pd
    >>> hidden_values(pd.DataFrame({"n": [1.0], "suppressed": ["n"]}))
    [(0, 'n')]
    """
    cells = []
    for i, names in frame.get("suppressed", pd.Series(dtype=str)).items():
        for name in (names or "").split(","):
            if name and name in columns:
                cells.append((i, name))
    return cells

"""Disclosure control: small-cell suppression on the numbers, before any formatting.

The rule (default ``min_cell=10``):

* **Rate cells** (a recidivism rate, its standard error and CI, a hazard ratio, a
  standardised rate) are suppressed when the stratum they describe holds fewer than
  ``min_cell`` persons (``n``). The whole row goes: rate, CI and every count.
* **Count cells** (persons, events, numbers at risk, excluded persons) are suppressed
  when ``0 < count < min_cell``. A zero is shown.
* **Shares of persons** (such as the share under 23 among offenders) are counts in
  disguise: suppressed when the persons counted or the persons not counted number
  fewer than ``min_cell``.
* **Secondary suppression.** Where a table shows a total next to the parts that add
  up to it (age groups and their ``all`` row, attrition steps and the persons read),
  the total minus the visible parts must not reveal a hidden value: whenever the
  hidden parts are a single cell under the threshold, or add up to less than
  ``min_cell``, the next smallest visible part is suppressed too (or the total, if no
  part is left). Counts that only add up *across horizons* (cumulative events) are
  not treated as a partition.

* **Curves** (Kaplan-Meier tables that a figure draws, :func:`safe_curve`) stop where
  fewer than ``min_cell`` persons are at risk; the **numbers at risk** printed under a
  curve (:func:`suppress_at_risk`) hide counts of 1 to ``min_cell - 1``, which the
  figure prints as ``<min_cell``. Figures draw what these functions give them and
  apply no threshold of their own.

Suppressed cells become ``NaN`` (``null`` in JSON) and are listed in the row's
``suppressed`` column; a row whose rate is hidden gets status ``"suppressed"``. The
caller emits one :class:`~recidive.errors.SmallCellWarning` saying what was hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from recidive import defaults

RATE_COLUMNS: tuple[str, ...] = ("rate", "std_err", "ci_lower", "ci_upper")
COUNT_COLUMNS: tuple[str, ...] = ("n", "n_events", "n_at_risk")
SUPPRESSED_STATUS = "suppressed"


def _mark(frame: pd.DataFrame, index, column: str) -> None:
    frame.loc[index, column] = np.nan
    old = frame.at[index, "suppressed"]
    names = [c for c in old.split(",") if c] if old else []
    if column not in names:
        names.append(column)
    frame.at[index, "suppressed"] = ",".join(names)


def _hide_row(frame: pd.DataFrame, index, columns: Iterable[str]) -> None:
    for column in columns:
        if column in frame.columns:
            _mark(frame, index, column)
    if "status" in frame.columns:
        frame.at[index, "status"] = SUPPRESSED_STATUS


def protect_partition(
    total: float | None, parts: dict, hidden: set, min_cell: int
) -> tuple[set, bool]:
    """Choose extra cells to hide so that a total does not reveal a hidden part.

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
    while hidden:
        derived = sum(float(parts[k]) for k in hidden)
        if len(hidden) == 1 and derived >= min_cell:
            break
        if len(hidden) >= 2 and derived >= min_cell:
            break
        # hiding a zero protects nothing: take the smallest positive visible part
        visible = sorted(
            (k for k in parts if k not in hidden and float(parts[k]) > 0),
            key=lambda k: float(parts[k]),
        )
        if not visible:
            return hidden, True
        hidden.add(visible[0])
    return hidden, False


def suppress_rate_table(
    frame: pd.DataFrame,
    min_cell: int = defaults.MIN_CELL,
    group: str | None = None,
    total_label: str = "all",
) -> tuple[pd.DataFrame, list[str]]:
    """Suppress small cells of a ``RateTable``-shaped frame.

    Parameters
    ----------
    frame : DataFrame
        Columns as ``RateTable.to_frame()``: optional key columns (``criterion``, the
        ``by`` column), ``horizon_years, n, n_events, n_at_risk, rate, std_err,
        ci_lower, ci_upper, status``.
    min_cell : int
        Threshold in persons.
    group : str, optional
        The ``by`` column whose parts add up to the row labelled ``total_label``;
        secondary suppression is applied within each partition.
    total_label : str
        Label of the total row in ``group``.

    Returns
    -------
    (DataFrame, list of str)
        A copy with suppressed cells set to NaN, a ``suppressed`` column naming them,
        status ``"suppressed"`` on hidden rows; and messages saying what was hidden.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"age_group": ["all", "<23", "23+"], "horizon_years": 2,
    ...                   "n": [50, 6, 44], "n_events": [20, 3, 17],
    ...                   "n_at_risk": [30, 3, 27], "rate": [0.4, 0.5, 0.39],
    ...                   "std_err": 0.05, "ci_lower": 0.3, "ci_upper": 0.5,
    ...                   "status": "ok"})
    >>> out, notes = suppress_rate_table(f, 10, group="age_group")
    >>> out["status"].tolist()
    ['ok', 'suppressed', 'suppressed']
    """
    out = frame.copy().reset_index(drop=True)
    for column in COUNT_COLUMNS + RATE_COLUMNS:
        if column in out.columns:
            out[column] = out[column].astype(float)
    out["suppressed"] = ""
    original = out.copy()
    notes: list[str] = []
    label_cols = [c for c in ("criterion", group) if c and c in out.columns]

    def describe(i) -> str:
        parts = [f"{c}={original.at[i, c]}" for c in label_cols]
        return " ".join(parts + [f"horizon {original.at[i, 'horizon_years']:g}y"])

    # primary: rows of strata with fewer than min_cell persons
    small_rows = out.index[original["n"] < min_cell]
    for i in small_rows:
        _hide_row(out, i, COUNT_COLUMNS + RATE_COLUMNS)
        notes.append(f"{describe(i)}: stratum of fewer than {min_cell} persons")
    # primary: small count cells in the remaining rows
    for column in ("n_events", "n_at_risk"):
        if column not in out.columns:
            continue
        values = original[column]
        for i in out.index[(values > 0) & (values < min_cell) & out[column].notna()]:
            _mark(out, i, column)
            notes.append(f"{describe(i)}: {column} under {min_cell}")
    if group is None or group not in out.columns:
        return out, notes
    keys = [c for c in out.columns if c in ("criterion", "horizon_years")]
    for _, part in out.groupby(keys, sort=False) if keys else [(None, out)]:
        totals = part.index[part[group].astype(str) == total_label]
        if len(totals) != 1:
            continue
        t = totals[0]
        members = [i for i in part.index if i != t]
        # rows: the n column (persons) decides whether a whole row is visible
        hidden = {i for i in members if out.at[i, "status"] == SUPPRESSED_STATUS}
        hidden_after, hide_total = protect_partition(
            original.at[t, "n"], {i: original.at[i, "n"] for i in members}, hidden, min_cell
        )
        for i in sorted(hidden_after - hidden):
            _hide_row(out, i, COUNT_COLUMNS + RATE_COLUMNS)
            notes.append(f"{describe(i)}: hidden so the total does not reveal a small group")
        if hide_total:
            _hide_row(out, t, COUNT_COLUMNS + RATE_COLUMNS)
            notes.append(f"{describe(t)}: total hidden so it does not reveal a small group")
        # cells: additive counts within the visible rows
        for column in ("n_events", "n_at_risk"):
            if column not in out.columns or np.isnan(out.at[t, column]):
                continue
            hidden = {i for i in members if np.isnan(out.at[i, column])}
            hidden_after, hide_total = protect_partition(
                original.at[t, column],
                {i: original.at[i, column] for i in members},
                hidden,
                min_cell,
            )
            for i in sorted(hidden_after - hidden):
                _mark(out, i, column)
                notes.append(f"{describe(i)}: {column} hidden so the total does not reveal it")
            if hide_total:
                _mark(out, t, column)
                notes.append(f"{describe(t)}: total {column} hidden")
    return out, notes


def share_is_disclosive(count: float, total: float, min_cell: int) -> bool:
    """Whether a share ``count / total`` of persons must be suppressed.

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
    """Suppress small counts in a column whose values add up to a published total.

    Used for the attrition table: the excluded persons of every step plus the persons
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
        _mark(out, i, column)
        why = "under" if i in hidden else "protecting cells under"
        notes.append(f"{out.at[i, label]}: {column} {why} {min_cell}")
    return out, hide_total, notes


def hidden_values(frame: pd.DataFrame, columns: Sequence[str] = RATE_COLUMNS + COUNT_COLUMNS):
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


def safe_curve(table: pd.DataFrame, min_cell: int = defaults.MIN_CELL) -> pd.DataFrame:
    """The rows of a Kaplan-Meier table that a figure may draw.

    The curve stops where fewer than ``min_cell`` persons are at risk: the rows with
    ``n_at_risk < min_cell`` are left out (at-risk counts do not grow with time, so
    what is left is the start of the curve up to that point).

    Parameters
    ----------
    table : DataFrame
        A Kaplan-Meier table (``KMResult.to_frame()``: ``time, n_at_risk, survival,
        ci_lower, ci_upper``, ...).
    min_cell : int
        Threshold in persons.

    Returns
    -------
    DataFrame
        The rows to draw, sorted by time.

    Examples
    --------
    >>> import pandas as pd
    >>> km = pd.DataFrame({"time": [900, 100, 400], "n_at_risk": [4, 30, 12],
    ...                    "survival": [0.7, 0.9, 0.8]})
    >>> safe_curve(km, 10)["time"].tolist()
    [100, 400]
    """
    table = table.sort_values("time")
    return table[table["n_at_risk"] >= min_cell]


def suppress_at_risk(at_risk: pd.DataFrame, min_cell: int = defaults.MIN_CELL) -> pd.DataFrame:
    """Hide numbers at risk of 1 to ``min_cell - 1`` persons (a zero is shown).

    Parameters
    ----------
    at_risk : DataFrame
        One row per time under the axis, with the count in ``n_at_risk``.
    min_cell : int
        Threshold in persons.

    Returns
    -------
    DataFrame
        A copy with the hidden counts NaN and ``fewer_than`` set to ``min_cell`` on
        their rows (NaN elsewhere), so that the figure prints ``<10``.

    Examples
    --------
    >>> import pandas as pd
    >>> out = suppress_at_risk(pd.DataFrame({"years": [0, 1, 2], "n_at_risk": [40, 6, 0]}), 10)
    >>> out["n_at_risk"].tolist(), out["fewer_than"].tolist()
    ([40.0, nan, 0.0], [nan, 10.0, nan])
    """
    out = at_risk.copy()
    counts = out["n_at_risk"].astype(float)
    small = (counts > 0) & (counts < min_cell)
    out["n_at_risk"] = counts.where(~small)
    out["fewer_than"] = np.where(small, float(min_cell), np.nan)
    return out

"""Recidivism rates 1 - S(t) at horizons in years, per stratum and overall.

All strata come from one risk-table pass over the rows (for integer days a
single ``np.bincount`` over ``stratum * (max_day + 1) + day`` codes); the
overall rows pool the strata's risk tables, not the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from recidive._version import __version__
from recidive.errors import ArgumentError
from recidive.estimation._input import (
    check_columns,
    check_conf,
    check_event,
    check_time,
    check_times_requested,
    check_weights,
)
from recidive.estimation.kaplan_meier import INSUFFICIENT, OK, km_from_table, values_at
from recidive.estimation.risk_table import RiskTable, build_risk_table, stratum_codes
from recidive.schema import DAYS_PER_YEAR

#: Time units per year.
UNITS_PER_YEAR: dict[str, float] = {
    "days": DAYS_PER_YEAR,
    "weeks": DAYS_PER_YEAR / 7,
    "months": 12.0,
    "years": 1.0,
}
RATE_COLUMNS: tuple[str, ...] = (
    "horizon_years",
    "n",
    "n_events",
    "n_at_risk",
    "rate",
    "std_err",
    "ci_lower",
    "ci_upper",
    "status",
)
OVERALL = "all"


@dataclass(frozen=True, eq=False)
class RateTable:
    """Rates 1 - S(t) at horizons with CIs (immutable).

    ``to_frame()`` has the ``within`` and ``by`` columns, then
    ``horizon_years, n, n_events, n_at_risk, rate, std_err, ci_lower,
    ci_upper, status``. Overall rows carry ``"all"`` in every ``by`` column
    and come first (within each ``within`` group).
    """

    _frame: pd.DataFrame = field(repr=False)
    by: tuple[str, ...]
    within: tuple[str, ...]
    horizons: tuple[float, ...]
    time_unit: str
    conf_type: str
    conf_level: float
    weighted: bool = False
    version: str = __version__

    @property
    def metadata(self) -> dict[str, Any]:
        """What a report needs to describe the rates."""
        return {
            "estimator": "kaplan_meier",
            "quantity": "1 - S(t)",
            "by": list(self.by),
            "within": list(self.within),
            "horizons": list(self.horizons),
            "time_unit": self.time_unit,
            "conf_type": self.conf_type,
            "conf_level": self.conf_level,
            "weighted": self.weighted,
            "version": self.version,
        }

    def to_frame(self) -> pd.DataFrame:
        """The rates as a new DataFrame (fixed column names)."""
        return self._frame.copy()

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>Rates</b> 1 - S(t) at {', '.join(f'{h:g}' for h in self.horizons)} years, "
            f"{self.conf_level:.0%} CI ({self.conf_type})</p>"
        )
        return head + self._frame._repr_html_()

    def __repr__(self) -> str:
        return (
            f"RateTable(rows={len(self._frame)}, by={list(self.by)}, "
            f"horizons={list(self.horizons)}, conf_type={self.conf_type!r})"
        )


def _rates(table: RiskTable, t: np.ndarray, conf_type: str, conf_level: float) -> dict:
    """Rates per (stratum, horizon) of a risk table, stratum-major."""
    keys = ("n", "n_events", "n_at_risk", "rate", "std_err", "ci_lower", "ci_upper", "past")
    out = {k: [] for k in keys}
    n_total = table.n()
    for k in range(table.n_strata):
        km = km_from_table(table, k, conf_type, conf_level)
        v = values_at(km._columns, t, interval_counts=False)
        out["n"].append(np.full(t.shape, n_total[k]))
        out["n_events"].append(v["n_events"])
        out["n_at_risk"].append(v["n_at_risk"])
        out["rate"].append(1.0 - v["survival"])
        out["std_err"].append(v["std_err"])
        out["ci_lower"].append(1.0 - v["ci_upper"])
        out["ci_upper"].append(1.0 - v["ci_lower"])
        out["past"].append(v["past"])
    return {k: np.concatenate(v) if v else np.array([]) for k, v in out.items()}


def _label_columns(labels: pd.Index, columns: list[str]) -> dict[str, np.ndarray]:
    if not columns:
        return {}
    if labels.nlevels > 1:
        return {
            c: np.asarray(labels.get_level_values(i), dtype=object) for i, c in enumerate(columns)
        }
    return {columns[0]: np.asarray(labels, dtype=object)}


def survival_rates(
    frame: pd.DataFrame,
    duration: str,
    event: str,
    by: Sequence[str] | None = None,
    horizons: Sequence[float] = (2, 5, 7),
    time_unit: str = "days",
    conf_type: str = "log-log",
    conf_level: float = 0.95,
    weights: str | Sequence[float] | None = None,
    overall: bool = True,
    within: Sequence[str] | None = None,
) -> RateTable:
    """Kaplan-Meier rates 1 - S(t) at horizons (years), per stratum and overall.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per person (or per person and criterion).
    duration, event : str
        Columns of follow-up time (in ``time_unit``) and the 0/1 event flag.
    by : list of str, optional
        Stratifying columns. Overall rows (pooling the strata) carry ``"all"``
        in every ``by`` column and come first.
    horizons : sequence of float
        Horizons in years; converted with 365.25 days per year.
    time_unit : {"days", "weeks", "months", "years"}
        Unit of ``duration``.
    conf_type, conf_level
        CI transform of S(t) and level (see :func:`kaplan_meier`);
        ``ci_lower = 1 - S_upper`` and ``ci_upper = 1 - S_lower``.
    weights : str or array-like, optional
        Frequency weights (column name or values).
    overall : bool
        Add the overall rows (pooled over ``by``). Default True.
    within : list of str, optional
        Columns that are never pooled: rates (and overall rows) are computed
        within each of their levels. For a long frame of several criteria use
        ``within=["criterion"]`` to get per-criterion results without a
        cross-criterion ``"all"`` row. They come first in the output.

    Returns
    -------
    RateTable
        A horizon past the last observed time of a stratum gives NaN and
        status ``insufficient_follow_up``. ``n_events`` counts events up to the
        horizon; ``n_at_risk`` counts time >= horizon.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"days": [100, 800, 900, 2000, 2600, 3000],
    ...                    "event": [1, 1, 0, 1, 0, 0], "sex": list("MFMFMF")})
    >>> rt = survival_rates(df, "days", "event", by=["sex"], horizons=(2, 5))
    >>> row = rt.to_frame().iloc[0]
    >>> row["sex"], round(float(row["rate"]), 4), row["status"]
    ('all', 0.1667, 'ok')
    """
    by = list(by or [])
    within = list(within or [])
    if time_unit not in UNITS_PER_YEAR:
        raise ArgumentError(
            f"time_unit must be one of {', '.join(map(repr, UNITS_PER_YEAR))}; got {time_unit!r}"
        )
    conf_type, conf_level = check_conf(conf_type, conf_level)
    if set(by) & set(within):
        raise ArgumentError(f"columns {sorted(set(by) & set(within))} are in both by and within")
    wcol = [weights] if isinstance(weights, str) else []
    check_columns(frame, [duration, event, *within, *by, *wcol], "survival_rates")
    h_years = check_times_requested(horizons, "horizons")
    order = np.argsort(h_years, kind="stable")
    h_years = h_years[order]
    h_time = h_years * UNITS_PER_YEAR[time_unit]

    t = check_time(frame[duration], duration)
    n = t.shape[0]
    e = check_event(frame[event], n, event)
    w = check_weights(frame[weights] if wcol else weights, n)
    columns = within + by
    codes, labels = stratum_codes(frame[columns] if columns else None, n, compress=False)
    table = build_risk_table(t, e, w, codes, labels, (1,), overwrite_stratum=True).drop_empty()
    labels = table.strata

    parts = []
    if columns:
        res = _rates(table, h_time, conf_type, conf_level)
        lab = _label_columns(labels, columns)
        key = np.repeat(np.arange(len(labels)), h_time.size)
        wkey = _within_key(labels, len(within))[key] if within else np.zeros(key.size, int)
        parts.append((res, {c: v[key] for c, v in lab.items()}, wkey, 1, key))
    if (overall and by) or not columns:
        if within and by:
            wk = _within_key(labels, len(within))
            wlabels = labels.droplevel(list(range(len(within), len(columns)))).unique()
            pooled = table.pool(wk, wlabels)
        elif within:
            pooled = None
        else:
            pooled = table.pool()
        if pooled is not None:
            res = _rates(pooled, h_time, conf_type, conf_level)
            key = np.repeat(np.arange(pooled.n_strata), h_time.size)
            lab = {c: np.full(key.size, OVERALL, dtype=object) for c in by}
            if within:
                wl = _label_columns(pooled.strata, within)
                lab = {**{c: v[key] for c, v in wl.items()}, **lab}
            parts.append((res, lab, key, 0, np.zeros(key.size, int)))

    frames = []
    for res, lab, wkey, flag, skey in parts:
        m = skey.size
        df = pd.DataFrame(lab)
        df["horizon_years"] = np.tile(h_years, m // max(h_years.size, 1))
        for c in ("n", "n_events", "n_at_risk", "rate", "std_err", "ci_lower", "ci_upper"):
            df[c] = res[c]
        df["status"] = np.where(res["past"], INSUFFICIENT, OK)
        df["_w"], df["_f"], df["_s"] = wkey, flag, skey
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values(["_w", "_f", "_s", "horizon_years"], kind="stable")
    out = out[[*columns, *RATE_COLUMNS]].reset_index(drop=True)
    return RateTable(
        out,
        tuple(by),
        tuple(within),
        tuple(float(h) for h in h_years),
        time_unit,
        conf_type,
        conf_level,
        weighted=w is not None,
    )


def _within_key(labels: pd.Index, n_within: int) -> np.ndarray:
    """Code of the ``within`` part of each stratum label (labels are sorted)."""
    if labels.nlevels == 1:
        return np.arange(len(labels))
    part = labels.droplevel(list(range(n_within, labels.nlevels)))
    codes, _ = pd.factorize(part)
    return codes.astype(np.int64)

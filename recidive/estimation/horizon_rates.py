"""Recidivism rates 1 - S(t) at horizons in years, per stratum and overall.

All strata come from one risk-table pass over the rows (for integer days a
single ``np.bincount`` over (event, stratum, day) cell codes); the overall rows
pool the strata's risk tables, not the rows. The frame may be a pandas or Dask
DataFrame or a Parquet path: Dask data are reduced to the same risk table
partition by partition (:mod:`recidive.dask.risk_table`), and the rates are
computed from it by the same code.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from recidive import defaults
from recidive._arguments import check_conf, check_horizons, check_time_unit
from recidive._version import __version__
from recidive.errors import ArgumentError, InsufficientFollowUpWarning
from recidive.estimation._confint import conf_int
from recidive.estimation.kaplan_meier import INSUFFICIENT, OK
from recidive.estimation.risk_table import RiskTable, frame_risk_table

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
    estimator: str = "kaplan_meier"

    @property
    def metadata(self) -> dict[str, Any]:
        """What a report needs to describe the rates."""
        return {
            "estimator": self.estimator,
            "quantity": "1 - S(t)"
            if self.estimator == "kaplan_meier"
            else "CIF(t), death competing",
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


#: Largest (strata x rows) grid of one block in :func:`_rates` (a memory budget: 4e6 cells
#: of three float grids take about 100 MB).
BLOCK_CELLS = 4_000_000


def _rates(
    table: RiskTable,
    t: np.ndarray,
    conf_type: str,
    conf_level: float,
    block_cells: int = BLOCK_CELLS,
) -> dict:
    """Rates per (stratum, horizon) of a risk table, stratum-major.

    The Kaplan-Meier products and Greenwood sums of all strata run at once on
    a (strata x rows) grid padded with neutral elements (factor 1, term 0),
    which gives exactly the numbers of :func:`product_limit` on each stratum;
    CIs are computed at the horizons only (see :func:`km_from_table` and
    :func:`values_at` for the curve-wise form of the same quantities). The strata
    are taken in blocks of at most ``block_cells`` grid cells (at least one stratum).
    """
    n_strata = table.n_strata
    edges = np.searchsorted(table.stratum, np.arange(n_strata + 1))
    sizes = np.diff(edges)
    longest = max(int(sizes.max()) if n_strata else 0, 1)
    n, d = table.n_at_risk, table.events()
    with np.errstate(divide="ignore", invalid="ignore"):
        factor_rows = 1.0 - d / n
        term_rows = np.where(d > 0, d / (n * (n - d)), 0.0)
    shape = (n_strata, t.size)
    idx = np.empty(shape, dtype=np.int64)
    past = np.empty(shape, dtype=bool)
    surv_at, var_at, cum_d_at = np.empty(shape), np.empty(shape), np.empty(shape)
    block = max(1, block_cells // longest)
    for lo in range(0, n_strata, block):
        hi = min(lo + block, n_strata)
        rows = slice(int(edges[lo]), int(edges[hi]))
        stratum = table.stratum[rows]
        cell = (stratum - lo) * longest + np.arange(rows.start, rows.stop) - edges[stratum]
        grid = np.ones((hi - lo) * longest)
        grid[cell] = factor_rows[rows]
        surv = np.cumprod(grid.reshape(hi - lo, longest), axis=1)
        grid = np.zeros((hi - lo) * longest)
        grid[cell] = term_rows[rows]
        var_log = np.cumsum(grid.reshape(hi - lo, longest), axis=1)
        grid = np.zeros((hi - lo) * longest)
        grid[cell] = d[rows]
        cum_d = np.cumsum(grid.reshape(hi - lo, longest), axis=1)
        for k in range(lo, hi):
            time = table.time[edges[k] : edges[k + 1]]
            idx[k] = np.searchsorted(time, t, side="right") - 1
            past[k] = t > time[-1] if time.size else True
        safe = np.maximum(idx[lo:hi], 0)
        block_rows = np.arange(hi - lo)[:, None]
        surv_at[lo:hi] = surv[block_rows, safe]
        var_at[lo:hi] = var_log[block_rows, safe]
        cum_d_at[lo:hi] = cum_d[block_rows, safe]
    before = idx < 0
    se_log = np.sqrt(var_at)
    with np.errstate(invalid="ignore"):
        std_err = surv_at * se_log
    lower, upper = conf_int(surv_at, se_log, conf_type, conf_level)
    at_risk = table.at_risk_at(t)

    def value(x: np.ndarray, start: float) -> np.ndarray:
        return np.where(past, np.nan, np.where(before, start, x)).ravel()

    survival = value(surv_at, 1.0)
    return {
        "n": np.repeat(table.n(), t.size),
        "n_events": np.where(before, 0.0, cum_d_at).ravel(),
        "n_at_risk": at_risk.ravel(),
        "rate": 1.0 - survival,
        "std_err": value(std_err, 0.0),
        "ci_lower": 1.0 - value(upper, 1.0),
        "ci_upper": 1.0 - value(lower, 1.0),
        "past": past.ravel(),
    }


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
    horizons: Sequence[float] = defaults.HORIZONS_YEARS,
    time_unit: str = defaults.TIME_UNIT,
    conf_type: str = defaults.CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
    weights: str | Sequence[float] | None = None,
    overall: bool = True,
    within: Sequence[str] | None = None,
    entry: str | None = None,
) -> RateTable:
    """Kaplan-Meier rates 1 - S(t) at horizons (years), per stratum and overall.

    Parameters
    ----------
    frame : pandas.DataFrame, dask.dataframe.DataFrame, str or path
        One row per person (or per person and criterion). A Dask DataFrame,
        or the path of a Parquet file or dataset directory (read with Dask),
        gives the same numbers as in memory: each partition is reduced to a
        risk table and the tables are summed (see :mod:`recidive.dask.risk_table`).
        Needs ``pip install 'recidive[dask]'``.
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
        Frequency weights (column name or values; a column name for Dask).
    overall : bool
        Add the overall rows (pooled over ``by``). Default True.
    within : list of str, optional
        Columns that are never pooled: rates (and overall rows) are computed
        within each of their levels. For a long frame of several criteria use
        ``within=["criterion"]`` to get per-criterion results without a
        cross-criterion ``"all"`` row. They come first in the output.
    entry : str, optional
        Column of entry times (delayed entry, left truncation, in ``time_unit``):
        a row is at risk at ``t`` when ``entry < t <= duration``, as R
        ``survfit(Surv(entry, duration, event) ~ ...)``.

    Returns
    -------
    RateTable
        A horizon past the last observed time of a stratum gives NaN and
        status ``insufficient_follow_up``. ``n_events`` counts events up to the
        horizon; ``n_at_risk`` is the risk set at the horizon (time >= horizon,
        and with ``entry``, entry < horizon).

    Warns
    -----
    InsufficientFollowUpWarning
        When a horizon lies past a stratum's follow-up; the message names the strata
        and horizons and the longest follow-up in years (a duration in months read
        as days shows up here).

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
    check_time_unit(time_unit)
    conf_type, conf_level = check_conf(conf_type, conf_level)
    if set(by) & set(within):
        raise ArgumentError(f"columns {sorted(set(by) & set(within))} are in both by and within")
    columns = within + by
    h_years = check_horizons(horizons)

    table = frame_risk_table(
        frame, duration, event, columns, weights, what="survival_rates", entry=entry
    )
    return rate_table(
        table.drop_empty(), by, within, h_years, time_unit, conf_type, conf_level, overall
    )


def rate_table(
    table: RiskTable,
    by: list[str],
    within: list[str],
    h_years: np.ndarray,
    time_unit: str,
    conf_type: str,
    conf_level: float,
    overall: bool = True,
    block_cells: int = BLOCK_CELLS,
) -> RateTable:
    """The :class:`RateTable` of a risk table stratified by ``within + by`` (internal).

    ``table`` has no empty strata; ``h_years`` are sorted horizons in years;
    ``block_cells`` bounds the grid of one block of strata (see :func:`_rates`).
    """
    columns = within + by
    h_time = h_years * check_time_unit(time_unit)
    labels = table.strata

    parts = []
    if columns:
        res = _rates(table, h_time, conf_type, conf_level, block_cells)
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
            res = _rates(pooled, h_time, conf_type, conf_level, block_cells)
            key = np.repeat(np.arange(pooled.n_strata), h_time.size)
            lab = {c: np.full(key.size, OVERALL, dtype=object) for c in by}
            if within:
                wl = _label_columns(pooled.strata, within)
                lab = {**{c: v[key] for c, v in wl.items()}, **lab}
            parts.append((res, lab, key, 0, np.zeros(key.size, int)))

    keys = ("n", "n_events", "n_at_risk", "rate", "std_err", "ci_lower", "ci_upper")
    data = {c: np.concatenate([lab[c] for _, lab, *_ in parts]) for c in columns}
    data["horizon_years"] = np.concatenate(
        [np.tile(h_years, p[4].size // h_years.size) for p in parts]
    )
    for c in keys:
        data[c] = np.concatenate([res[c] for res, *_ in parts])
    past = np.concatenate([res["past"] for res, *_ in parts])
    data["status"] = np.where(past, INSUFFICIENT, OK).astype(object)
    order = np.lexsort(
        (
            data["horizon_years"],
            np.concatenate([p[4] for p in parts]),
            np.concatenate([np.full(p[4].size, p[3]) for p in parts]),
            np.concatenate([p[2] for p in parts]),
        )
    )
    out = pd.DataFrame({c: data[c][order] for c in [*columns, *RATE_COLUMNS]})
    _warn_past_follow_up(out, columns, table, time_unit)
    return RateTable(
        out,
        tuple(by),
        tuple(within),
        tuple(float(h) for h in h_years),
        time_unit,
        conf_type,
        conf_level,
        weighted=table.weighted,
    )


#: Strata a warning about insufficient follow-up names.
_SHOWN_STRATA = 3


def _warn_past_follow_up(out: pd.DataFrame, columns: list[str], table, time_unit: str) -> None:
    """Warn about the rates left NaN because the horizon lies past a stratum's follow-up."""
    past = (out["status"] == INSUFFICIENT).to_numpy()
    if not past.any():
        return
    rows = out.loc[past, [*columns, "horizon_years"]].head(_SHOWN_STRATA)
    named = "; ".join(
        " ".join([*(f"{c}={r[c]}" for c in columns), f"at {r['horizon_years']:g} years"])
        for _, r in rows.iterrows()
    )
    more = ", …" if past.sum() > len(rows) else ""
    longest = float(table.time.max()) if table.time.size else 0.0
    years = longest / check_time_unit(time_unit)
    warnings.warn(
        InsufficientFollowUpWarning(
            f"{int(past.sum())} of {len(out)} rates are NaN (status "
            f"'{INSUFFICIENT}'): the horizon lies past the stratum's follow-up ({named}{more}); "
            f"the longest follow-up is {longest:g} {time_unit} = {years:.2f} years. Ask for "
            "horizons within the follow-up, or check the time unit (a duration in months "
            f"read as {time_unit} ends far too early)"
        ),
        stacklevel=4,
    )


def _within_key(labels: pd.Index, n_within: int) -> np.ndarray:
    """Code of the ``within`` part of each stratum label (labels are sorted)."""
    if labels.nlevels == 1:
        return np.arange(len(labels))
    part = labels.droplevel(list(range(n_within, labels.nlevels)))
    codes, _ = pd.factorize(part)
    return codes.astype(np.int64)

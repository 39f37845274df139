"""Figures from results: cumulative recidivism, rates by criterion, curves by group.

Every function takes results (a :class:`~recidive.KMResult`, a
:class:`~recidive.RateTable` or their ``to_frame()``), draws on ``ax`` (a new
axes when ``None``) and returns the axes. Nothing here fits a model: numbers at
risk under the axis come from the result's own table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from recidive import defaults
from recidive._arguments import check_time_unit


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4.5))
    return ax


def _frame(result) -> pd.DataFrame:
    return result.to_frame() if hasattr(result, "to_frame") else pd.DataFrame(result)


def _per_year(time_unit: str) -> float:
    return check_time_unit(time_unit)


def _km_steps(frame: pd.DataFrame, per_year: float, min_cell: int | None):
    """Step coordinates of 1 - S(t) and its CI, cut where fewer than min_cell are at risk
    (the display option; ``None`` draws the table as given)."""
    f = frame.sort_values("time")
    if min_cell:
        f = f[f["n_at_risk"] >= min_cell]
    x = np.concatenate([[0.0], f["time"].to_numpy(float) / per_year])
    y = np.concatenate([[0.0], 1.0 - f["survival"].to_numpy(float)])
    lo = np.concatenate([[0.0], 1.0 - f["ci_upper"].to_numpy(float)])
    hi = np.concatenate([[0.0], 1.0 - f["ci_lower"].to_numpy(float)])
    return x, y, np.nan_to_num(lo, nan=np.nan), hi


def at_risk_counts(
    result, times_years: Sequence[float], time_unit: str = defaults.TIME_UNIT
) -> list[int]:
    """Numbers at risk (time >= t) at the given times, read from a KM result's table.

    Examples
    --------
    >>> import pandas as pd
    >>> km = pd.DataFrame({"time": [365.25, 730.5], "n_at_risk": [10, 4]})
    >>> at_risk_counts(km, [0, 1, 1.5, 2, 3])
    [10, 10, 4, 4, 0]
    """
    f = _frame(result).sort_values("time")
    t = f["time"].to_numpy(float) / _per_year(time_unit)
    n = f["n_at_risk"].to_numpy(float)
    out = []
    for x in times_years:
        idx = np.searchsorted(t, float(x) - 1e-9, side="left")
        out.append(int(n[idx]) if idx < len(n) else 0)
    return out


def _benchmark_parts(benchmark):
    if benchmark is None:
        return None
    if isinstance(benchmark, int | float):
        return float(benchmark), 2.0, None
    if isinstance(benchmark, tuple):
        rate, horizon, *label = benchmark
        return float(rate), float(horizon), (label[0] if label else None)
    return (
        float(benchmark.rate),
        float(benchmark.horizon_years),
        getattr(benchmark, "label_text", None),
    )


def plot_cumulative_recidivism(
    km_or_rates,
    ax=None,
    benchmark=None,
    at_risk_times: Sequence[float] | None = tuple(range(0, 8)),
    time_unit: str = defaults.TIME_UNIT,
    min_cell: int | None = None,
    max_years: float | None = 7,
    label: str | None = None,
    benchmark_label: str | None = None,
    xlabel: str = "Years since start of follow-up",
    ylabel: str = "Cumulative recidivism",
    at_risk_label: str = "At risk",
    decimal: str = ".",
    color: str = "#1f4e79",
):
    """Cumulative recidivism 1 - S(t) with its CI band, a benchmark and numbers at risk.

    Parameters
    ----------
    km_or_rates : KMResult, RateTable or DataFrame
        A Kaplan-Meier result (a step curve is drawn from ``to_frame()``: ``time,
        n_at_risk, survival, ci_lower, ci_upper``) or a rate table of one stratum
        (points at ``horizon_years`` with ``rate, ci_lower, ci_upper``).
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure when ``None``.
    benchmark : float, tuple or object, optional
        A rate at 2 years, a ``(rate, horizon_years[, label])`` tuple, or an object
        with ``rate`` and ``horizon_years``; drawn as a marker at its horizon.
    at_risk_times : sequence of float, optional
        Times (years) under the axis at which the number at risk is printed (KM input
        only; read from the result's table). ``None`` to leave them out.
    time_unit : {"days", "weeks", "months", "years"}
        Unit of the KM times.
    min_cell : int, optional
        A display option for notebooks: the curve stops where fewer than ``min_cell``
        persons are at risk and smaller numbers at risk print as ``<min_cell``. The
        report makes its curves safe before drawing
        (:func:`recidive.report.disclosure.safe_curve`) and passes none.
    max_years : float, optional
        Right end of the x axis.
    label, benchmark_label, xlabel, ylabel, at_risk_label : str
        Texts (the report passes them in its language).
    decimal : str
        Decimal separator of the y tick labels (``","`` for Dutch).
    color : str
        Colour of the curve.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> km = pd.DataFrame({"time": [100, 400, 900], "n_at_risk": [30, 20, 10],
    ...                    "survival": [0.9, 0.8, 0.7], "ci_lower": [0.8, 0.7, 0.55],
    ...                    "ci_upper": [0.95, 0.88, 0.8]})
    >>> ax = plot_cumulative_recidivism(km, benchmark=0.26)
    """
    ax = _axes(ax)
    frame = _frame(km_or_rates)
    per_year = _per_year(time_unit)
    if "survival" in frame.columns:
        x, y, lo, hi = _km_steps(frame, per_year, min_cell)
        ax.step(x, y, where="post", color=color, lw=2, label=label)
        ax.fill_between(x, lo, hi, step="post", color=color, alpha=0.2, lw=0)
    else:
        f = frame.sort_values("horizon_years")
        xs = np.concatenate([[0.0], f["horizon_years"].to_numpy(float)])
        ys = np.concatenate([[0.0], f["rate"].to_numpy(float)])
        lo = np.concatenate([[0.0], f["ci_lower"].to_numpy(float)])
        hi = np.concatenate([[0.0], f["ci_upper"].to_numpy(float)])
        ax.plot(xs, ys, marker="o", color=color, lw=2, label=label)
        ax.fill_between(xs, lo, hi, color=color, alpha=0.2, lw=0)
        at_risk_times = None
    parts = _benchmark_parts(benchmark)
    if parts is not None:
        rate, horizon, default_label = parts
        ax.plot(
            [horizon],
            [rate],
            marker="D",
            ms=8,
            color="#c0392b",
            ls="none",
            label=benchmark_label or default_label or f"benchmark ({rate:.0%})",
        )
        ax.axvline(horizon, color="#c0392b", lw=0.8, ls=":")
    right = max_years if max_years is not None else float(np.nanmax(x)) if len(frame) else 1
    ax.set_xlim(0, right)
    ax.set_ylim(0, 1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(_percent_formatter(decimal))
    ax.grid(alpha=0.3)
    if label or parts is not None:
        ax.legend(loc="upper left", frameon=False)
    if at_risk_times is not None:
        _draw_at_risk(ax, frame, at_risk_times, time_unit, min_cell, at_risk_label, right, decimal)
    return ax


def _percent_formatter(decimal: str):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{100 * v:.0f}%".replace(".", decimal))


def _draw_at_risk(ax, frame, times, time_unit, min_cell, title, right, decimal="."):
    times = [t for t in times if t <= right + 1e-9]
    counts = at_risk_counts(frame, times, time_unit)
    thousands = "." if decimal == "," else ","
    labels = [
        (f"<{min_cell}" if (min_cell and 0 < n < min_cell) else f"{n:,}").replace(",", thousands)
        for n in counts
    ]
    draw_at_risk(ax, times, labels, title)


def draw_at_risk(ax, times_years: Sequence[float], labels: Sequence[str], title: str = "At risk"):
    """Print numbers at risk, already formatted, under the x axis at the given times.

    The report passes numbers made safe by its disclosure step (``"<10"`` where few
    remain); :func:`plot_cumulative_recidivism` passes the counts of its result.

    Parameters
    ----------
    ax : matplotlib Axes
        Axes with a curve over time in years.
    times_years : sequence of float
        Positions on the x axis.
    labels : sequence of str
        One text per time.
    title : str
        Printed to the left of the row.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> _, ax = plt.subplots()
    >>> ax = draw_at_risk(ax, [0, 1, 2], ["120", "64", "<10"])
    """
    from matplotlib.transforms import blended_transform_factory

    trans = blended_transform_factory(ax.transData, ax.transAxes)
    ax.text(
        -0.05,
        -0.2,
        title,
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=8,
        fontweight="bold",
    )
    for t, shown in zip(times_years, labels, strict=True):
        ax.text(t, -0.2, shown, transform=trans, ha="center", va="top", fontsize=8)
    return ax


def plot_rates_by_criterion(
    rate_table,
    ax=None,
    horizon: float | None = None,
    labels: Mapping[str, str] | None = None,
    xlabel: str = "Recidivism",
    decimal: str = ".",
    suppressed_text: str = "×",
    color: str = "#1f4e79",
):
    """Rates by criterion at one horizon as horizontal bars with CI whiskers.

    Parameters
    ----------
    rate_table : RateTable or DataFrame
        With columns ``criterion, horizon_years, rate, ci_lower, ci_upper``
        (as ``recidivism_rates(...).to_frame()``); overall rows only.
    ax : matplotlib Axes, optional
    horizon : float, optional
        Horizon in years; defaults to the largest in the table.
    labels : mapping, optional
        Display name per criterion, in the order to draw (top to bottom).
    xlabel : str
    decimal : str
        Decimal separator of tick and bar labels.
    suppressed_text : str
        Printed where the rate is missing (suppressed or not estimable).
    color : str

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> t = pd.DataFrame({"criterion": ["property", "violence"], "horizon_years": 5,
    ...                   "rate": [0.28, 0.25], "ci_lower": [0.25, 0.22],
    ...                   "ci_upper": [0.31, 0.28]})
    >>> ax = plot_rates_by_criterion(t)
    """
    ax = _axes(ax)
    frame = _frame(rate_table)
    if horizon is None:
        horizon = float(frame["horizon_years"].max())
    frame = frame[np.isclose(frame["horizon_years"].astype(float), float(horizon))]
    frame = frame.set_index(frame["criterion"].astype(str))
    names = list(labels) if labels is not None else list(frame.index)
    names = [c for c in names if c in frame.index]
    ys = np.arange(len(names))[::-1]
    for y, c in zip(ys, names, strict=True):
        row = frame.loc[c]
        rate = float(row["rate"])
        if np.isnan(rate):
            ax.text(0.005, y, suppressed_text, va="center", ha="left")
            continue
        err = [[rate - float(row["ci_lower"])], [float(row["ci_upper"]) - rate]]
        ax.barh(y, rate, color=color, alpha=0.8, height=0.6)
        ax.errorbar(rate, y, xerr=err, fmt="none", ecolor="black", capsize=4, lw=1)
        ax.text(
            float(row["ci_upper"]) + 0.01,
            y,
            f"{100 * rate:.0f}%".replace(".", decimal),
            va="center",
            fontsize=9,
        )
    ax.set_yticks(ys, [labels[c] if labels else c for c in names])
    top = frame["ci_upper"].astype(float).max()
    ax.set_xlim(0, min(1.0, (0 if np.isnan(top) else top) + 0.12))
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(_percent_formatter(decimal))
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_curves_by_group(
    curves: Mapping[str, object],
    ax=None,
    time_unit: str = defaults.TIME_UNIT,
    min_cell: int | None = None,
    max_years: float | None = 7,
    ci: bool = False,
    annotation: str | None = None,
    xlabel: str = "Years since start of follow-up",
    ylabel: str = "Cumulative recidivism",
    decimal: str = ".",
):
    """Cumulative recidivism curves of several groups (one KM result per group).

    Parameters
    ----------
    curves : mapping of str to KMResult or DataFrame
        Legend label -> Kaplan-Meier result.
    ax : matplotlib Axes, optional
    time_unit : str
    min_cell : int, optional
        A display option for notebooks: each curve stops where fewer than ``min_cell``
        persons are at risk (the report passes curves already made safe, and none).
    max_years : float, optional
    ci : bool
        Draw CI bands.
    annotation : str, optional
        Text in the lower right corner (e.g. the log-rank p-value).
    xlabel, ylabel : str
    decimal : str

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> km = pd.DataFrame({"time": [100, 900], "n_at_risk": [20, 10], "survival": [0.9, 0.7],
    ...                    "ci_lower": [0.8, 0.55], "ci_upper": [0.95, 0.8]})
    >>> ax = plot_curves_by_group({"<23": km, "23+": km}, annotation="p = 0.5")
    """
    ax = _axes(ax)
    per_year = _per_year(time_unit)
    colors = ["#c0392b", "#1f4e79", "#27ae60", "#8e44ad", "#d35400"]
    for i, (name, result) in enumerate(curves.items()):
        x, y, lo, hi = _km_steps(_frame(result), per_year, min_cell)
        color = colors[i % len(colors)]
        ax.step(x, y, where="post", lw=2, color=color, label=name)
        if ci:
            ax.fill_between(x, lo, hi, step="post", color=color, alpha=0.15, lw=0)
    if max_years is not None:
        ax.set_xlim(0, max_years)
    ax.set_ylim(0, 1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(_percent_formatter(decimal))
    ax.grid(alpha=0.3)
    if curves:
        ax.legend(loc="upper left", frameon=False)
    if annotation:
        ax.text(0.98, 0.04, annotation, transform=ax.transAxes, ha="right", va="bottom")
    return ax

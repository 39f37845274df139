"""The figures of the section: one builder per figure, drawing the published points.

Each builder takes the :class:`~recidive.report.content.Content`, the benchmark, the
qualifier rules, the language and the figure's number, and returns a
:class:`~recidive.report.section.Figure` (or ``None`` when there is nothing to draw):
the numbers it draws (``data``, also written to the section's JSON, so the report
generator and the tests read exactly what was drawn) and a renderer that draws them
with :mod:`recidive.plotting` when a PNG or SVG is first asked for. The curves are the
points disclosure control published (:mod:`~recidive.report.disclosure`, R6: a step
of at least ``min_cell`` events at a whole month, the same points as the tables), drawn
at the precision they are published; no builder applies a threshold of its own.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd

from recidive import plotting
from recidive.report import formatting as fmt
from recidive.report.content import Content
from recidive.report.i18n import criterion_label, text
from recidive.report.qualifiers import Benchmark, QualifierRules
from recidive.report.section import Figure


def build_figures(
    content: Content, benchmark: Benchmark, rules: QualifierRules, lang: str
) -> tuple[Figure, ...]:
    """Every figure of the section in order, numbered from 1; empty ones left out."""
    figures: list[Figure] = []
    for build in FIGURES:
        figure = build(content, benchmark, rules, lang, len(figures) + 1)
        if figure is not None:
            figures.append(figure)
    return tuple(figures)


def cumulative_figure(
    content: Content, benchmark: Benchmark, rules: QualifierRules, lang: str, number: int
) -> Figure | None:
    """Cumulative general recidivism with its CI band, the benchmark and numbers at risk."""
    if "all" not in content.curves:
        return None
    at_risk = content.at_risk
    data = {
        "x_max": _x_max(rules),
        "curves": [_curve_data("all", content.curves["all"])],
        "at_risk": [
            {"years": float(y), "n_at_risk": None if np.isnan(n) else int(n)}
            for y, n in zip(at_risk["years"], at_risk["n_at_risk"], strict=True)
        ],
        "benchmark": {"rate": benchmark.rate, "horizon_years": float(benchmark.horizon_years)},
    }
    hb = fmt.horizon_key(benchmark.horizon_years)
    b = fmt.format_percent(benchmark.rate, lang, 0)
    texts = {
        "benchmark": text("ax_benchmark", lang, bench=benchmark.label(lang), b=b, h=hb),
        "at_risk": text("ax_at_risk", lang),
        "labels": [
            fmt.SUPPRESSED if row["n_at_risk"] is None else fmt.format_count(row["n_at_risk"], lang)
            for row in data["at_risk"]
        ],
    }
    level = fmt.level_percent(content.method["conf_level"])
    caption = text("f_cumulative", lang, k=number, level=level)
    return Figure(
        "figure_1_cumulative", caption, data, _renderer(_draw_cumulative, data, texts, lang)
    )


def by_type_figure(
    content: Content, benchmark: Benchmark, rules: QualifierRules, lang: str, number: int
) -> Figure | None:
    """Recidivism per type of offence at the serious horizon, as bars with CIs."""
    if not len(content.by_type):
        return None
    h = fmt.horizon_key(rules.serious_horizon)
    rows = content.by_type[np.isclose(content.by_type["horizon_years"], rules.serious_horizon)]
    data = {
        "horizon_years": float(rules.serious_horizon),
        "bars": [
            {
                "criterion": str(r.criterion),
                "rate": _value(r.rate),
                "ci_lower": _value(r.ci_lower),
                "ci_upper": _value(r.ci_upper),
            }
            for r in rows.itertuples()
        ],
    }
    labels = {c: criterion_label(c, lang) for c in rules.listed_criteria}
    caption = text("f_by_type", lang, k=number, h=h)
    texts = {"labels": labels, "xlabel": text("ax_rate_at", lang, h=h)}
    return Figure("figure_2_by_type", caption, data, _renderer(_draw_by_type, data, texts, lang))


def by_age_figure(
    content: Content, benchmark: Benchmark, rules: QualifierRules, lang: str, number: int
) -> Figure | None:
    """Cumulative recidivism per age group, with the log-rank p-value."""
    groups = {g: points for g, points in content.curves.items() if g != "all"}
    if not groups:
        return None
    p = content.logrank.get("p_value")
    p_text = fmt.format_p_value(p, lang) if p is not None and np.isfinite(p) else ""
    data = {
        "x_max": _x_max(rules),
        "curves": [_curve_data(g, points) for g, points in groups.items()],
        "p_value": p,
    }
    cut = rules.age_cut
    names = {f"<{cut}": text("age_young", lang, cut=cut), f"{cut}+": text("age_old", lang, cut=cut)}
    texts = {"names": names, "annotation": p_text or None}
    caption = text("f_by_age", lang, k=number, p=p_text or "—")
    return Figure("figure_3_by_age", caption, data, _renderer(_draw_by_age, data, texts, lang))


#: The figures in the order of the section.
FIGURES = (cumulative_figure, by_type_figure, by_age_figure)


# -- data -----------------------------------------------------------------------------------
def _x_max(rules: QualifierRules) -> float:
    """Right end of the time axis: a little past the last horizon, so its step shows."""
    return float(rules.high_horizon) * 1.04


def _value(x) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _curve_data(group: str, points: pd.DataFrame) -> dict:
    """A curve's published points as JSON-ready data."""
    return {
        "group": group,
        "points": [
            {
                "years": float(r.years),
                "rate": r.rate,
                "ci_lower": r.ci_lower,
                "ci_upper": r.ci_upper,
            }
            for r in points.itertuples()
        ],
    }


def _km_frame(curve: dict) -> pd.DataFrame:
    """The points of a curve in the shape :mod:`recidive.plotting` draws (time in years)."""
    points = pd.DataFrame(curve["points"], columns=["years", "rate", "ci_lower", "ci_upper"])
    return pd.DataFrame(
        {
            "time": points["years"].astype(float),
            "survival": 1.0 - points["rate"].astype(float),
            "ci_lower": 1.0 - points["ci_upper"].astype(float),
            "ci_upper": 1.0 - points["ci_lower"].astype(float),
        }
    )


# -- drawing --------------------------------------------------------------------------------
def _draw_cumulative(ax, data: dict, texts: dict, lang: str) -> None:
    benchmark = data["benchmark"]
    plotting.plot_cumulative_recidivism(
        _km_frame(data["curves"][0]),
        ax=ax,
        benchmark=(benchmark["rate"], benchmark["horizon_years"]),
        at_risk_times=None,
        time_unit="years",
        max_years=data["x_max"],
        benchmark_label=texts["benchmark"],
        xlabel=text("ax_years", lang),
        ylabel=text("ax_rate", lang),
        decimal=fmt.decimal_sign(lang),
    )
    ax.figure.subplots_adjust(bottom=0.25)
    years = [row["years"] for row in data["at_risk"]]
    plotting.draw_at_risk(ax, years, texts["labels"], texts["at_risk"])
    ax.lines[0].set_gid("curve-all")


def _draw_by_type(ax, data: dict, texts: dict, lang: str) -> None:
    plotting.plot_rates_by_criterion(
        pd.DataFrame(data["bars"], columns=["criterion", "rate", "ci_lower", "ci_upper"])
        .assign(horizon_years=data["horizon_years"])
        .astype({"rate": float, "ci_lower": float, "ci_upper": float}),
        ax=ax,
        horizon=data["horizon_years"],
        labels=texts["labels"],
        xlabel=texts["xlabel"],
        decimal=fmt.decimal_sign(lang),
    )


def _draw_by_age(ax, data: dict, texts: dict, lang: str) -> None:
    names = texts["names"]
    plotting.plot_curves_by_group(
        {names.get(c["group"], c["group"]): _km_frame(c) for c in data["curves"]},
        ax=ax,
        time_unit="years",
        max_years=data["x_max"],
        ci=True,
        annotation=texts["annotation"],
        xlabel=text("ax_years", lang),
        ylabel=text("ax_rate", lang),
        decimal=fmt.decimal_sign(lang),
    )
    for line, curve in zip(ax.lines, data["curves"], strict=False):
        line.set_gid(f"curve-{curve['group']}")


_SIZES = {_draw_cumulative: (7.5, 4.8), _draw_by_type: (7.5, 3.6), _draw_by_age: (7.5, 4.5)}


def _renderer(draw: Callable, data: dict, texts: dict, lang: str) -> Callable[[str], bytes]:
    """A function that draws the figure and returns it as PNG or SVG bytes."""
    return partial(render_figure, draw, data, texts, lang)


def render_figure(draw: Callable, data: dict, texts: dict, lang: str, kind: str) -> bytes:
    """Draw a figure from its data and render it as ``kind`` (``"png"`` or ``"svg"``),
    with no date or software stamp so that the bytes are reproducible."""
    import matplotlib
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=_SIZES.get(draw, (7.5, 4.5)))
    ax = fig.subplots()
    draw(ax, data, texts, lang)
    ax.patch.set_gid("plot-area")
    out = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "recidive", "svg.fonttype": "none"}):
        if kind == "png":
            fig.savefig(
                out, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None}
            )
        else:
            fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    return out.getvalue()

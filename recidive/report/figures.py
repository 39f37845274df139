"""The figures of the section: one builder per figure, drawing the safe numbers.

Each builder takes the :class:`~recidive.report.content.Content`, the benchmark,
the qualifier rules, the language and the figure's number, draws with
:mod:`recidive.plotting` and returns a rendered
:class:`~recidive.report.section.Figure` (or ``None`` when there is nothing to
draw). The curves and numbers at risk have been made safe by the disclosure step
(:func:`~recidive.report.disclosure.safe_curve`,
:func:`~recidive.report.disclosure.suppress_at_risk`); no builder applies a
threshold of its own.
"""

from __future__ import annotations

import io

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
) -> Figure:
    """Cumulative general recidivism with its CI band, the benchmark and numbers at risk."""
    fig, ax = _canvas((7.5, 4.8))
    fig.subplots_adjust(bottom=0.25)
    hb = fmt.horizon_key(benchmark.horizon_years)
    b = fmt.format_percent(benchmark.rate, lang, 0)
    plotting.plot_cumulative_recidivism(
        content.curves["all"],
        ax=ax,
        benchmark=(benchmark.rate, benchmark.horizon_years),
        at_risk_times=None,
        max_years=float(rules.high_horizon),
        benchmark_label=text("ax_benchmark", lang, bench=benchmark.label(lang), b=b, h=hb),
        xlabel=text("ax_years", lang),
        ylabel=text("ax_rate", lang),
        decimal=fmt.decimal_sign(lang),
    )
    at_risk = content.at_risk
    plotting.draw_at_risk(
        ax, at_risk["years"].tolist(), _at_risk_labels(at_risk, lang), text("ax_at_risk", lang)
    )
    level = fmt.level_percent(content.method["conf_level"])
    caption = text("f_cumulative", lang, k=number, level=level)
    return Figure("figure_1_cumulative", caption, *_render(fig))


def by_type_figure(
    content: Content, benchmark: Benchmark, rules: QualifierRules, lang: str, number: int
) -> Figure | None:
    """Recidivism per type of offence at the serious horizon, as bars with CIs."""
    if not len(content.by_type):
        return None
    fig, ax = _canvas((7.5, 3.6))
    h = fmt.horizon_key(rules.serious_horizon)
    plotting.plot_rates_by_criterion(
        content.by_type,
        ax=ax,
        horizon=rules.serious_horizon,
        labels={c: criterion_label(c, lang) for c in rules.listed_criteria},
        xlabel=text("ax_rate_at", lang, h=h),
        decimal=fmt.decimal_sign(lang),
    )
    caption = text("f_by_type", lang, k=number, h=h)
    return Figure("figure_2_by_type", caption, *_render(fig))


def by_age_figure(
    content: Content, benchmark: Benchmark, rules: QualifierRules, lang: str, number: int
) -> Figure | None:
    """Cumulative recidivism per age group, with the log-rank p-value."""
    groups = {g: km for g, km in content.curves.items() if g != "all"}
    if not groups:
        return None
    fig, ax = _canvas((7.5, 4.5))
    cut = rules.age_cut
    names = {
        f"<{cut}": text("age_young", lang, cut=cut),
        f"{cut}+": text("age_old", lang, cut=cut),
    }
    p = content.logrank.get("p_value")
    p_text = fmt.format_p_value(p, lang) if p is not None and np.isfinite(p) else ""
    plotting.plot_curves_by_group(
        {names.get(g, g): km for g, km in groups.items()},
        ax=ax,
        max_years=float(rules.high_horizon),
        ci=True,
        annotation=p_text or None,
        xlabel=text("ax_years", lang),
        ylabel=text("ax_rate", lang),
        decimal=fmt.decimal_sign(lang),
    )
    caption = text("f_by_age", lang, k=number, p=p_text or "—")
    return Figure("figure_3_by_age", caption, *_render(fig))


#: The figures in the order of the section.
FIGURES = (cumulative_figure, by_type_figure, by_age_figure)


def _at_risk_labels(at_risk: pd.DataFrame, lang: str) -> list[str]:
    """Counts in the locale's format; hidden ones as ``<min_cell``."""
    return [
        f"<{int(bound)}" if np.isfinite(bound) else fmt.format_count(n, lang)
        for n, bound in zip(at_risk["n_at_risk"], at_risk["fewer_than"], strict=True)
    ]


def _canvas(size: tuple[float, float]):
    """A figure not tied to any pyplot state, and its one axes."""
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=size)
    return fig, fig.subplots()


def _render(fig) -> tuple[bytes, str]:
    """PNG bytes and SVG text, with no date or software stamp so that they are reproducible."""
    import matplotlib

    png, svg = io.BytesIO(), io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "recidive", "svg.fonttype": "none"}):
        fig.savefig(png, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        fig.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
    return png.getvalue(), svg.getvalue()

"""The section's trend block: a table, a figure and a method entry, in Dutch and English.

The numbers come from :mod:`~recidive.report.trend_content` (after disclosure control);
this module only lays them out: the observed ("feitelijke") and adjusted
("gecorrigeerde") 2-year recidivism per year of exit ("uitstroomjaar") with their
intervals, as a table and as a figure, and a method entry naming the covariates the
correction used. Its words live here, one block per language, so that the shared
catalogue (:mod:`~recidive.report.i18n`) keeps its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from recidive import defaults
from recidive.report import formatting as fmt
from recidive.report.figures import render_figure
from recidive.report.i18n import text
from recidive.report.section import Column, Figure, Table
from recidive.report.trend_content import TrendContent, trend_content

TREND_WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Tabel {k}. Feitelijke en gecorrigeerde recidive binnen {h} jaar naar uitstroomjaar",
        "caption": (
            "Figuur {k}. Feitelijke en gecorrigeerde recidive binnen {h} jaar naar "
            "uitstroomjaar, met {level}%-betrouwbaarheidsintervallen"
        ),
        "exit_year": "Uitstroomjaar",
        "measure": "Cijfer",
        "observed": "feitelijk",
        "adjusted": "gecorrigeerd",
        "axis_rate": "Recidive binnen {h} jaar",
        "method": "Trend naar uitstroomjaar",
        "method_text": (
            "Feitelijke recidive: Kaplan-Meier per uitstroomjaar (het jaar waarin de "
            "observatieperiode begint). Gecorrigeerde recidive: directe standaardisatie met een "
            "Cox-model met het uitstroomjaar als factor, gecorrigeerd voor {covariates}; per "
            "jaar de gemiddelde voorspelde recidive van alle personen van de getoonde jaren, "
            "alsof zij in dat jaar waren uitgestroomd. Interval: {level}%, Wald, met de "
            "standaardfout uit de invloedsfunctie. Alleen jaren met {h} jaar observatieperiode; een "
            "gecorrigeerd cijfer alleen waar het feitelijke gepubliceerd is."
        ),
        "method_none": (
            "Feitelijke recidive: Kaplan-Meier per uitstroomjaar. De gecorrigeerde recidive "
            "kon niet worden geschat (te weinig gepubliceerde jaren of recidivisten)."
        ),
        "sex": "geslacht",
        "age_at_index": "leeftijd bij het indexdelict",
        "prior_cases": "aantal eerdere strafzaken",
        "exploitation_form": "vorm van uitbuiting",
        "and": "en",
    },
    "en": {
        "title": "Table {k}. Observed and adjusted recidivism within {h} years by year of exit",
        "caption": (
            "Figure {k}. Observed and adjusted recidivism within {h} years by year of exit, "
            "with {level}% confidence intervals"
        ),
        "exit_year": "Year of exit",
        "measure": "Measure",
        "observed": "observed",
        "adjusted": "adjusted",
        "axis_rate": "Recidivism within {h} years",
        "method": "Trend by year of exit",
        "method_text": (
            "Observed recidivism: Kaplan-Meier per year of exit (the year the observation "
            "period starts). Adjusted recidivism: direct standardisation with a Cox model with "
            "the year of exit as a factor, adjusted for {covariates}; per year the mean "
            "predicted recidivism of all persons of the years shown, had they left in that "
            "year. Interval: {level}%, Wald, with the standard error from the influence "
            "function. Only years with {h} years of follow-up; an adjusted rate only where "
            "the observed one is published."
        ),
        "method_none": (
            "Observed recidivism: Kaplan-Meier per year of exit. Adjusted recidivism could not "
            "be estimated (too few published years or reoffenders)."
        ),
        "sex": "sex",
        "age_at_index": "age at the index offence",
        "prior_cases": "number of prior cases",
        "exploitation_form": "form of exploitation",
        "and": "and",
    },
}


@dataclass(frozen=True)
class TrendBlock:
    """What the trend block adds to a section (empty when the cohort has no trend)."""

    tables: tuple[Table, ...] = ()
    figures: tuple[Figure, ...] = ()
    method: tuple[tuple[str, str], ...] = ()


def trend_block(
    cohort,
    lang: str,
    table_number: int,
    figure_number: int,
    min_cell: int = defaults.MIN_CELL,
    conf_type: str = defaults.CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
) -> TrendBlock:
    """The trend table, figure and method entry when the cohort spans three exit years
    (followed to the trend horizon and published; see
    :func:`~recidive.report.trend_content.trend_content`).

    Examples
    --------
    >>> import recidive as rc
    >>> cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=3000, seed=1))
    >>> block = trend_block(cohort, "en", table_number=6, figure_number=4)
    >>> block.tables[0].title
    'Table 6. Observed and adjusted recidivism within 2 years by year of exit'
    """
    content = trend_content(cohort, min_cell, conf_type, conf_level)
    if content is None:
        return TrendBlock()
    figure = trend_figure(content, lang, figure_number)
    drawn = any(series["points"] for series in figure.data["series"])
    return TrendBlock(
        (trend_table(content, lang, table_number, min_cell),),
        (figure,) if drawn else (),  # nothing published: no empty figure
        (method_entry(content, lang),),
    )


def _words(key: str, lang: str, **values) -> str:
    return TREND_WORDS[lang][key].format(**values)


def trend_table(content: TrendContent, lang: str, number: int, min_cell: int) -> Table:
    """Observed and adjusted rates with intervals, two rows per year of exit."""
    frame = content.rows.copy()
    frame["year"] = frame["exit_year"].astype(str)
    frame["label"] = frame["measure"].map(lambda m: _words(m, lang))
    h = fmt.horizon_key(content.horizon_years)
    level = fmt.level_percent(content.conf_level)
    notes = []
    if (frame["status"] == "suppressed").any():
        notes.append(text("note_suppressed", lang, m=min_cell))
    if (frame["status"] == "insufficient_follow_up").any():
        notes.append(text("note_insufficient", lang))
    return Table(
        "trend",
        _words("title", lang, k=number, h=h),
        (
            Column("year", _words("exit_year", lang)),
            Column("label", _words("measure", lang)),
            Column("rate", text("h_rate", lang), "percent"),
            Column("ci", text("h_ci_level", lang, level=level), "ci"),
        ),
        frame,
        tuple(notes),
    )


def trend_figure(content: TrendContent, lang: str, number: int) -> Figure:
    """The two series by year of exit, points with interval bars (published points only)."""
    rows = content.rows
    data = {
        "horizon_years": content.horizon_years,
        "series": [
            {
                "measure": measure,
                "points": [
                    {
                        "exit_year": int(r.exit_year),
                        "rate": _value(r.rate),
                        "ci_lower": _value(r.ci_lower),
                        "ci_upper": _value(r.ci_upper),
                    }
                    for r in rows[rows["measure"] == measure].itertuples()
                    if np.isfinite(r.rate)
                ],
            }
            for measure in ("observed", "adjusted")
        ],
    }
    h = fmt.horizon_key(content.horizon_years)
    level = fmt.level_percent(content.conf_level)
    texts = {
        "names": {m: _words(m, lang) for m in ("observed", "adjusted")},
        "xlabel": _words("exit_year", lang),
        "ylabel": _words("axis_rate", lang, h=h),
    }
    caption = _words("caption", lang, k=number, h=h, level=level)
    render = partial(render_figure, draw_trend, data, texts, lang)
    return Figure("figure_trend", caption, data, render)


def method_entry(content: TrendContent, lang: str) -> tuple[str, str]:
    """The method box's entry: how the trend was made and what it corrects for."""
    if not content.adjusted:
        return _words("method", lang), _words("method_none", lang)
    names = [_words(c, lang) if c in TREND_WORDS[lang] else c for c in content.covariates]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1])
    if len(names) > 1:
        joined += f" {_words('and', lang)} {names[-1]}"
    level = fmt.level_percent(content.conf_level)
    h = fmt.horizon_key(content.horizon_years)
    return _words("method", lang), _words("method_text", lang, covariates=joined, level=level, h=h)


def _value(x) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def draw_trend(ax, data: dict, texts: dict, lang: str) -> None:
    """Both series as points with interval bars, a little apart on the year axis."""
    from matplotlib.ticker import FuncFormatter

    offsets = {"observed": -0.12, "adjusted": 0.12}
    markers = {"observed": "o", "adjusted": "s"}
    years: set[int] = set()
    for series in data["series"]:
        points = series["points"]
        if not points:
            continue
        x = np.array([p["exit_year"] for p in points], dtype=float)
        years.update(int(v) for v in x)
        rate = np.array([p["rate"] for p in points], dtype=float)
        low = np.array([p["ci_lower"] for p in points], dtype=float)
        high = np.array([p["ci_upper"] for p in points], dtype=float)
        measure = series["measure"]
        ax.errorbar(
            x + offsets[measure],
            rate,
            yerr=np.vstack([rate - low, high - rate]),
            fmt=markers[measure] + "-",
            capsize=3,
            label=texts["names"][measure],
            gid=f"series-{measure}",
        )
    if years:
        ax.set_xticks(sorted(years))
        ax.set_xticklabels([str(y) for y in sorted(years)], rotation=45)
        ax.legend(frameon=False)
    decimal = fmt.decimal_sign(lang)
    ax.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _: f"{100 * v:.0f}%".replace(".", decimal))
    )
    ax.set_xlabel(texts["xlabel"])
    ax.set_ylabel(texts["ylabel"])
    ax.grid(axis="y", alpha=0.3)

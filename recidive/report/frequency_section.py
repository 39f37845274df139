"""The frequency block of the section in words, a table and a figure, in Dutch and English.

From the safe numbers of :mod:`~recidive.report.frequency_content` (nothing here estimates
or hides): one key sentence ("Per 100 daders ... gemiddeld 50, 119 en 159 nieuwe zaken"),
an entry of the method box (the estimator, how death is treated, the Ghosh-Lin
sensitivity), the table "gemiddeld aantal nieuwe zaken per 100 daders binnen 2, 5 en 7 jaar"
and the figure of the mean cumulative function with its interval band. The words live here,
in one catalogue per language, so that the block is one module to read.

:func:`add_frequency` is the one hook of the pipeline: it appends the block to the section's
sentences, tables, figures, method box and numbers.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from recidive.report import formatting as fmt
from recidive.report.figures import render_figure
from recidive.report.frequency_content import FrequencyContent
from recidive.report.i18n import text
from recidive.report.section import Column, Figure, Table

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "sentence": (
            "Per 100 daders telden we binnen {hs} jaar gemiddeld {values} nieuwe zaken; "
            "per recidivist waren dat er {per_recidivist}."
        ),
        "title": "Tabel {k}. Gemiddeld aantal nieuwe zaken per 100 daders binnen {hs} jaar",
        "h_per_100": "Nieuwe zaken per 100 daders",
        "h_mcf": "Per dader",
        "h_ci": "{ci} per dader",
        "h_per_recidivist": "Per recidivist",
        "note": (
            "Gemiddeld aantal nieuwe zaken (de mean cumulative function, met robuuste "
            "Lawless-Nadeau-fouten): een zaak met meer delicten telt één keer; wie eerder "
            "uit beeld raakt, telt mee zolang hij gevolgd wordt. Per recidivist: gedeeld "
            "door het aandeel recidivisten (Kaplan-Meier)."
        ),
        "caption": "Figuur {k}. Gemiddeld aantal nieuwe zaken per dader naar jaren na de start",
        "ax_y": "Nieuwe zaken per dader",
        "method_label": "Frequentie",
        "method": (
            "Het gemiddeld aantal nieuwe zaken per dader is de mean cumulative function "
            "(Nelson-Aalen over alle getelde zaken, met robuuste standaardfouten volgens "
            "Lawless en Nadeau); overlijden censureert, als voor de prevalentie. Met "
            "overlijden als eindpunt (Ghosh-Lin) is het binnen {hs} jaar {death}. "
            "Gepubliceerd waar de algemene recidive dat is en de zaken van ten minste {m} "
            "personen komen zonder dat enkelen ze domineren."
        ),
    },
    "en": {
        "sentence": (
            "Per 100 offenders we counted on average {values} new cases within {hs} years; "
            "per recidivist that was {per_recidivist}."
        ),
        "title": "Table {k}. Mean number of new cases per 100 offenders within {hs} years",
        "h_per_100": "New cases per 100 offenders",
        "h_mcf": "Per offender",
        "h_ci": "{ci} per offender",
        "h_per_recidivist": "Per recidivist",
        "note": (
            "Mean number of new cases (the mean cumulative function, with robust "
            "Lawless-Nadeau errors): a case with several offences counts once; persons lost "
            "to follow-up count while followed. Per recidivist: divided by the share of "
            "recidivists (Kaplan-Meier)."
        ),
        "caption": "Figure {k}. Mean number of new cases per offender by years since the start",
        "ax_y": "New cases per offender",
        "method_label": "Frequency",
        "method": (
            "The mean number of new cases per offender is the mean cumulative function "
            "(Nelson-Aalen over every counted case, with Lawless and Nadeau's robust standard "
            "errors); death censors, as for prevalence. With death as a terminal event "
            "(Ghosh-Lin) it is {death} within {hs} years. Published where general "
            "recidivism is and the cases come from at least {m} persons without a few "
            "dominating them."
        ),
    },
}


def _say(key: str, lang: str, **values) -> str:
    return TEXTS[lang][key].format(**values)


def _joined(items: list[str], lang: str) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {text('and', lang)} " + items[-1]


def _published(content: FrequencyContent):
    return content.table[content.table["status"] == "ok"]


def frequency_sentence(content: FrequencyContent, lang: str) -> dict | None:
    """The key sentence of the block (``None`` when nothing is published)."""
    rows = _published(content)
    if not len(rows):
        return None
    hs = _joined([fmt.horizon_key(h) for h in rows["horizon_years"]], lang)
    values = _joined([fmt.format_count(v, lang) for v in rows["per_100"]], lang)
    per_recidivist = _joined([fmt.format_ratio(v, lang) for v in rows["per_recidivist"]], lang)
    return {
        "key": "frequency",
        "qualifier": None,
        "holds": None,
        "text": _say("sentence", lang, hs=hs, values=values, per_recidivist=per_recidivist),
    }


def frequency_method(content: FrequencyContent, lang: str, min_cell: int) -> tuple[str, str]:
    """The method box's entry: estimator, death and the Ghosh-Lin sensitivity."""
    death = content.death_terminal
    hs = _joined(list(death), lang) if death else "—"
    values = _joined([fmt.format_ratio(v, lang) for v in death.values()], lang) if death else "—"
    return _say("method_label", lang), _say("method", lang, hs=hs, death=values, m=min_cell)


def frequency_table(
    content: FrequencyContent, lang: str, number: int, conf_level: float, min_cell: int
) -> Table | None:
    """New cases per 100 offenders, per offender (with its interval) and per recidivist."""
    frame = content.table.copy()
    if not len(frame):
        return None
    frame["horizon"] = [
        text("year_one", lang) if h == 1 else text("years", lang, h=fmt.horizon_key(h))
        for h in frame["horizon_years"]
    ]
    hs = _joined([fmt.horizon_key(h) for h in frame["horizon_years"]], lang)
    notes = [_say("note", lang)]
    if (frame["status"] == "suppressed").any():
        notes.append(text("note_suppressed", lang, m=min_cell))
    if (frame["status"] == "insufficient_follow_up").any():
        notes.append(text("note_insufficient", lang))
    level = fmt.level_percent(conf_level)
    return Table(
        "frequency",
        _say("title", lang, k=number, hs=hs),
        (
            Column("horizon", text("h_horizon", lang)),
            Column("per_100", _say("h_per_100", lang), "count"),
            Column("mcf", _say("h_mcf", lang), "ratio"),
            Column("ci", _say("h_ci", lang, ci=text("h_ci_level", lang, level=level)), "ratio_ci"),
            Column("per_recidivist", _say("h_per_recidivist", lang), "ratio"),
        ),
        frame,
        tuple(notes),
    )


def frequency_figure(content: FrequencyContent, lang: str, number: int) -> Figure | None:
    """The mean cumulative function at its published points, with the interval band."""
    curve = content.curve
    if not len(curve):
        return None
    data = {
        "x_max": float(curve["years"].max()) * 1.04,
        "points": [
            {"years": float(r.years), "mcf": r.mcf, "ci_lower": r.ci_lower, "ci_upper": r.ci_upper}
            for r in curve.itertuples()
        ],
    }
    texts = {"xlabel": text("ax_years", lang), "ylabel": _say("ax_y", lang)}
    return Figure(
        "figure_frequency",
        _say("caption", lang, k=number),
        data,
        partial(render_figure, _draw_frequency, data, texts, lang),
    )


def _draw_frequency(ax, data: dict, texts: dict, lang: str) -> None:
    """A step curve from (0, 0) through the published points, and its band."""
    points = data["points"]
    years = np.array([0.0, *(p["years"] for p in points)])
    mcf = np.array([0.0, *(p["mcf"] for p in points)])
    lo = np.array([0.0, *(p["ci_lower"] for p in points)])
    hi = np.array([0.0, *(p["ci_upper"] for p in points)])
    (line,) = ax.step(years, mcf, where="post", color="#1f4e79", linewidth=1.8)
    line.set_gid("curve-frequency")
    ax.fill_between(years, lo, hi, step="post", color="#1f4e79", alpha=0.15, linewidth=0)
    ax.set_xlim(0, data["x_max"])
    ax.set_ylim(0, None)
    ax.set_xlabel(texts["xlabel"])
    ax.set_ylabel(texts["ylabel"])
    decimal = fmt.decimal_sign(lang)
    ax.yaxis.set_major_formatter(
        lambda v, _: f"{v:.2f}".rstrip("0").rstrip(".").replace(".", decimal)
    )
    ax.spines[["top", "right"]].set_visible(False)


def add_frequency(
    parts: dict, content: FrequencyContent, lang: str, min_cell: int, conf_level: float
) -> dict:
    """The section's parts with the frequency block appended (a new dict)."""
    parts = dict(parts)
    sentence = frequency_sentence(content, lang)
    if sentence is not None:
        parts["sentences"] = (*parts["sentences"], sentence)
    table = frequency_table(content, lang, len(parts["tables"]) + 1, conf_level, min_cell)
    if table is not None:
        parts["tables"] = (*parts["tables"], table)
    figure = frequency_figure(content, lang, len(parts["figures"]) + 1)
    if figure is not None:
        parts["figures"] = (*parts["figures"], figure)
    parts["method"] = (*parts["method"], frequency_method(content, lang, min_cell))
    parts["numbers"] = {**parts["numbers"], "frequency": frequency_numbers(content)}
    return parts


def frequency_numbers(content: FrequencyContent) -> dict:
    """The block's key numbers for the JSON: per horizon, ``None`` where hidden."""
    out = {}
    for r in content.table.itertuples():
        shown = r.status == "ok"
        out[fmt.horizon_key(r.horizon_years)] = {
            "horizon_years": float(r.horizon_years),
            "per_100": float(r.per_100) if shown else None,
            "mcf": float(r.mcf) if shown else None,
            "ci_lower": float(r.ci_lower) if shown else None,
            "ci_upper": float(r.ci_upper) if shown else None,
            "per_recidivist": float(r.per_recidivist) if shown else None,
            "mcf_death_terminal": content.death_terminal.get(f"{r.horizon_years:g}"),
            "status": r.status,
        }
    return out

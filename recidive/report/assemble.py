"""``recidivism_section``: numbers -> sentences, tables and figures -> :class:`Section`."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from recidive import defaults, schema
from recidive._arguments import check_conf, check_lang, check_min_cell, check_share
from recidive.report import formatting as fmt
from recidive.report.content import Content, compute_content
from recidive.report.i18n import CATALOGUES, text
from recidive.report.section import Column, Figure, Section, Table
from recidive.report.sentences import (
    Benchmark,
    QualifierRules,
    _key,
    evaluate_qualifiers,
    headline,
    key_sentences,
)


def recidivism_section(
    cohort,
    lang: str = defaults.LANG,
    benchmark: float | Benchmark = 0.26,
    min_cell: int = defaults.MIN_CELL,
    context: Sequence[str] | None = None,
    horizons: Sequence[float] = range(1, 8),
    rules: QualifierRules | None = None,
    population: str | None = None,
    conf_type: str = defaults.CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
    progress: Callable[[str], None] | None = None,
    generated_at: datetime | None = None,
) -> Section:
    """The monitor's recidivism section, estimated from a cohort.

    Estimates general recidivism at ``horizons``, the 5-year rates by type of offence,
    rates and curves by age group, the age profile of recidivists and a Cox model;
    suppresses small cells; generates the headline and the key sentences from the
    numbers; draws the figures.

    Parameters
    ----------
    cohort : Cohort
        From :func:`recidive.build_cohort`.
    lang : {"nl", "en"}
        Language of the text (Dutch number formatting for ``"nl"``).
    benchmark : float or Benchmark
        Recidivism of all adult offenders at 2 years (WODC); a :class:`Benchmark`
        sets its horizon, label and source.
    min_cell : int
        Disclosure threshold in persons; see :mod:`recidive.report.disclosure`.
    context : sequence of str, optional
        Paragraphs placed, as given, after the key sentences.
    horizons : sequence of float
        Horizons (years) of the general rates table.
    rules : QualifierRules, optional
        Thresholds of the qualifiers high, fast, serious and young.
    population : str, optional
        How the text names the cohort; by default "daders van binnenlandse seksuele
        uitbuiting" when every person has that form of exploitation, else "daders van
        mensenhandel" (English likewise).
    conf_type, conf_level : str, float
        Kaplan-Meier confidence intervals.
    progress : callable, optional
        Called with a message before each long step (the CLI prints them to stderr).
    generated_at : datetime, optional
        Date of generation in the provenance; now (UTC) by default.

    Returns
    -------
    Section

    Warns
    -----
    SmallCellWarning
        When disclosure control suppressed cells; the message says which.

    Examples
    --------
    >>> import recidive as rc
    >>> cohort = rc.build_cohort(rc.datasets.reference_registry(seed=2022))  # doctest: +SKIP
    >>> section = rc.report.recidivism_section(cohort)  # doctest: +SKIP
    >>> section.headline  # doctest: +SKIP
    'RECIDIVE IS HOOG, SNEL EN ERNSTIG'
    >>> section.save("out/")  # doctest: +SKIP
    """
    from recidive import __version__

    lang = check_lang(lang)
    min_cell = check_min_cell(min_cell)
    conf_type, conf_level = check_conf(conf_type, conf_level)
    rules = rules or QualifierRules()
    if not isinstance(benchmark, Benchmark):
        benchmark = Benchmark(rate=check_share(benchmark, "benchmark"))
    say = progress or (lambda message: None)
    content = compute_content(
        cohort,
        min_cell=min_cell,
        horizons=horizons,
        rules=rules,
        benchmark_horizon=benchmark.horizon_years,
        conf_type=conf_type,
        conf_level=conf_level,
        progress=say,
    )
    say("writing sentences")
    forms = set(content.method["exploitation_forms"])
    if population is None:
        key = "population_domestic" if forms == {"binnenlands_seksueel"} else "population_all"
        population = text(key, lang)
    qualifiers = evaluate_qualifiers(content.numbers, benchmark, rules)
    sentences = key_sentences(qualifiers, content.numbers, benchmark, rules, population, lang)
    head = headline(qualifiers, content.numbers, rules, lang)

    say("drawing figures")
    figures = _figures(content, benchmark, rules, min_cell, lang, conf_level)
    tables = _tables(content, rules, min_cell, lang, conf_level)
    notes = [text("note_ci", lang, level=_level(conf_level), conf_type=conf_type)]
    if content.suppression_notes:
        notes.append(text("note_suppressed", lang, m=min_cell))
    generated = (generated_at or datetime.now(UTC)).isoformat(timespec="seconds")
    provenance = {
        "package": "recidive",
        "version": __version__,
        "fingerprint": content.method["fingerprint"],
        "rules": content.method["rules"],
        "qualifier_rules": rules.to_dict(),
        "min_cell": min_cell,
        "generated_at": generated,
    }
    return Section(
        lang=lang,
        title=text("title", lang),
        headline=head,
        sentences=tuple(sentences),
        qualifiers={k: q.to_dict() for k, q in qualifiers.items()},
        numbers=content.numbers,
        tables=tuple(tables),
        figures=tuple(figures),
        context=tuple(context or ()),
        method=tuple(_method(cohort, content, benchmark, rules, population, lang)),
        provenance=provenance,
        notes=tuple(notes),
        benchmark={
            "rate": benchmark.rate,
            "horizon_years": benchmark.horizon_years,
            "label": benchmark.label(lang),
            "source": benchmark.source,
        },
        labels=dict(CATALOGUES[lang]),
    )


def _level(conf_level: float) -> str:
    return f"{100 * conf_level:g}"


def _status_notes(frame: pd.DataFrame, min_cell: int, lang: str) -> tuple[str, ...]:
    notes = []
    suppressed = "suppressed" in frame and frame["suppressed"].astype(str).str.len().gt(0).any()
    if suppressed or ("status" in frame and (frame["status"] == "suppressed").any()):
        notes.append(text("note_suppressed", lang, m=min_cell))
    if "status" in frame and (frame["status"] == "insufficient_follow_up").any():
        notes.append(text("note_insufficient", lang))
    return tuple(notes)


def _criterion_label(c: str, lang: str) -> str:
    key = f"crit_{c}"
    return text(key, lang) if key in CATALOGUES[lang] else c.replace("_", " ")


def _tables(
    content: Content, rules: QualifierRules, min_cell: int, lang: str, conf_level: float
) -> list[Table]:
    t = content.tables
    ci = text("h_ci_level", lang, level=_level(conf_level))
    rate_cols = (
        Column("rate", text("h_rate", lang), "percent"),
        Column("ci", ci, "ci"),
        Column("n_events", text("h_n_events", lang), "count"),
        Column("n_at_risk", text("h_n_at_risk", lang), "count"),
    )

    def years(h: float) -> str:
        return text("year_one", lang) if float(h) == 1 else text("years", lang, h=_key(h))

    out = []
    k = 0

    general = t["general"].copy()
    general["horizon"] = general["horizon_years"].map(years)
    k += 1
    out.append(
        Table(
            "general",
            text("t_general", lang, k=k, hmax=_key(general["horizon_years"].max())),
            (Column("horizon", text("h_horizon", lang)), *rate_cols),
            general,
            _status_notes(general, min_cell, lang),
        )
    )
    if len(t["by_type"]):
        by_type = t["by_type"].copy()
        by_type["label"] = by_type["criterion"].map(lambda c: _criterion_label(c, lang))
        by_type["horizon"] = by_type["horizon_years"].map(years)
        hs = sorted(by_type["horizon_years"].unique())
        k += 1
        joined = ", ".join(_key(h) for h in hs[:-1]) + f" {text('and', lang)} {_key(hs[-1])}"
        out.append(
            Table(
                "by_type",
                text("t_by_type", lang, k=k, hs=joined),
                (
                    Column("label", text("h_criterion", lang)),
                    Column("horizon", text("h_horizon", lang)),
                    *rate_cols,
                ),
                by_type,
                _status_notes(by_type, min_cell, lang),
            )
        )
    by_age = t["by_age"].copy()
    by_age["label"] = (
        by_age["age_group"].astype(str).map(lambda g: text("all", lang) if g == "all" else g)
    )
    by_age["horizon"] = by_age["horizon_years"].map(years)
    k += 1
    out.append(
        Table(
            "by_age",
            text("t_by_age", lang, k=k),
            (
                Column("label", text("h_age_group", lang)),
                Column("horizon", text("h_horizon", lang)),
                Column("n", text("h_n", lang), "count"),
                *rate_cols,
            ),
            by_age,
            _status_notes(by_age, min_cell, lang),
        )
    )
    cox = t["cox"].copy()
    cox_notes = (text("note_cox", lang),)
    if t["cox"].attrs.get("dropped"):
        cox_notes += (
            text("note_cox_dropped", lang, names=", ".join(t["cox"].attrs["dropped"]), m=min_cell),
        )
    if len(cox):
        cox["label"] = [
            text(r.label_key, lang, **_labels(r.label_values, lang)) for r in cox.itertuples()
        ]
        cox = cox.drop(columns=["label_key", "label_values"])
        k += 1
        out.append(
            Table(
                "cox",
                text("t_cox", lang, k=k),
                (
                    Column("label", text("h_covariate", lang)),
                    Column("n_level", text("h_n_level", lang), "count"),
                    Column("hazard_ratio", text("h_hr", lang), "ratio"),
                    Column("ci", ci, "ratio_ci"),
                    Column("p_value", text("h_p", lang), "p"),
                ),
                cox,
                cox_notes,
            )
        )
    std = t["standardised"].copy()
    if len(std):
        k += 1
        h = rules.high_horizon
        out.append(
            Table(
                "standardised",
                text("t_standardised", lang, k=k, h=_key(h)),
                (
                    Column("age_group", text("h_age_group", lang)),
                    Column("rate", text("h_standardised", lang, h=_key(h)), "percent"),
                ),
                std,
                _status_notes(std, min_cell, lang),
            )
        )
    attrition = t["attrition"].copy()
    attrition = attrition[attrition["step"].astype(str) != "read"].reset_index(drop=True)
    if len(attrition):
        catalogue = CATALOGUES[lang]
        attrition["table_label"] = attrition["table"].map(
            lambda x: text(x, lang) if x in ("persons", "cases") else x
        )
        attrition["reason_label"] = [
            text(f"step_{step}", lang) if f"step_{step}" in catalogue else reason
            for step, reason in zip(attrition["step"], attrition["reason"], strict=True)
        ]
        k += 1
        out.append(
            Table(
                "attrition",
                text("t_attrition", lang, k=k),
                (
                    Column("table_label", text("h_table", lang)),
                    Column("reason_label", text("h_reason", lang)),
                    Column("n_excluded", text("h_excluded", lang), "count"),
                ),
                attrition,
                _status_notes(attrition, min_cell, lang),
            )
        )
    return out


def _render(fig) -> tuple[bytes, str]:
    import matplotlib

    png, svg = io.BytesIO(), io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "recidive", "svg.fonttype": "none"}):
        fig.savefig(png, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        fig.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
    return png.getvalue(), svg.getvalue()


def _figures(
    content: Content,
    benchmark: Benchmark,
    rules: QualifierRules,
    min_cell: int,
    lang: str,
    conf_level: float,
) -> list[Figure]:
    from matplotlib.figure import Figure as MplFigure

    from recidive import plotting

    decimal = "," if lang == "nl" else "."
    hmax = float(rules.high_horizon)
    out = []
    k = 0

    fig = MplFigure(figsize=(7.5, 4.8))
    ax = fig.subplots()
    fig.subplots_adjust(bottom=0.25)
    b = fmt.format_percent(benchmark.rate, lang, 0)
    plotting.plot_cumulative_recidivism(
        content.curves["all"],
        ax=ax,
        benchmark=(benchmark.rate, benchmark.horizon_years),
        at_risk_times=list(range(0, int(hmax) + 1)),
        min_cell=min_cell,
        max_years=hmax,
        benchmark_label=text(
            "ax_benchmark", lang, bench=benchmark.label(lang), b=b, h=_key(benchmark.horizon_years)
        ),
        xlabel=text("ax_years", lang),
        ylabel=text("ax_rate", lang),
        at_risk_label=text("ax_at_risk", lang),
        decimal=decimal,
    )
    k += 1
    out.append(
        Figure(
            "figure_1_cumulative",
            text("f_cumulative", lang, k=k, level=_level(conf_level)),
            *_render(fig),
        )
    )

    by_type = content.tables["by_type"]
    if len(by_type):
        fig = MplFigure(figsize=(7.5, 3.6))
        ax = fig.subplots()
        labels = {c: _criterion_label(c, lang) for c in rules.listed_criteria}
        plotting.plot_rates_by_criterion(
            by_type,
            ax=ax,
            horizon=rules.serious_horizon,
            labels=labels,
            xlabel=text("ax_rate_at", lang, h=_key(rules.serious_horizon)),
            decimal=decimal,
        )
        k += 1
        out.append(
            Figure(
                "figure_2_by_type",
                text("f_by_type", lang, k=k, h=_key(rules.serious_horizon)),
                *_render(fig),
            )
        )

    groups = {g: km for g, km in content.curves.items() if g != "all"}
    if groups:
        fig = MplFigure(figsize=(7.5, 4.5))
        ax = fig.subplots()
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
            min_cell=min_cell,
            max_years=hmax,
            ci=True,
            annotation=p_text or None,
            xlabel=text("ax_years", lang),
            ylabel=text("ax_rate", lang),
            decimal=decimal,
        )
        k += 1
        out.append(
            Figure("figure_3_by_age", text("f_by_age", lang, k=k, p=p_text or "—"), *_render(fig))
        )
    return out


def _method(
    cohort,
    content: Content,
    benchmark: Benchmark,
    rules: QualifierRules,
    population: str,
    lang: str,
) -> list[tuple[str, str]]:
    m = content.method
    n_read = fmt.SUPPRESSED if m["n_read"] is None else fmt.format_count(m["n_read"], lang)
    median = m["median_followup_years"]
    definitions = list(cohort.rules.describe(lang)) if hasattr(cohort.rules, "describe") else []
    if median is not None:
        definitions.append(text("m_followup", lang, median=fmt.format_number(median, lang, 1)))
    pct = lambda x: fmt.format_percent(x, lang, 0)  # noqa: E731
    entries = [
        (
            text("m_data", lang),
            text("m_data_text", lang, n_read=n_read, cutoff=m["cutoff_date"] or "—"),
        ),
        (
            text("m_cohort", lang),
            text("m_cohort_text", lang, n=fmt.format_count(m["n_analysed"], lang), pop=population),
        ),
        (text("m_reoffence", lang), " ".join(definitions)),
        (text("m_estimator", lang), text("m_estimator_text", lang)),
        (
            text("m_ci", lang),
            text("m_ci_text", lang, level=_level(m["conf_level"]), conf_type=m["conf_type"]),
        ),
        (
            text("m_benchmark", lang),
            text(
                "m_benchmark_text",
                lang,
                bench=benchmark.label(lang),
                b=pct(benchmark.rate),
                h=_key(benchmark.horizon_years),
                source=benchmark.source,
            ),
        ),
        (
            text("m_qualifiers", lang),
            text(
                "m_qualifiers_text",
                lang,
                hb=_key(benchmark.horizon_years),
                b=pct(benchmark.rate),
                hh=_key(rules.high_horizon),
                high=pct(rules.high_rate),
                share=pct(rules.fast_share),
                hs=_key(rules.serious_horizon),
                serious=text("serious_join", lang),
                srate=pct(rules.serious_rate),
                cut=rules.age_cut,
            ),
        ),
        (text("m_disclosure", lang), text("m_disclosure_text", lang, m=m["min_cell"])),
    ]
    return [(label, body[:1].upper() + body[1:]) for label, body in entries]


def _labels(values: dict | None, lang: str) -> dict[str, str]:
    """Code values (exploitation forms, ...) as readable names in ``lang``."""
    return {key: schema.code_label(value, lang) for key, value in (values or {}).items()}

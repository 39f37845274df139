"""``recidivism_section``: the report as a pipeline of pure steps.

content (numbers from the estimators) -> disclosure (on the numbers) -> text ->
tables and figures -> formats. Each step is a function of the previous steps'
output and returns new data:

1. :func:`~recidive.report.content.compute_content` estimates every number and
   passes it through disclosure control (:mod:`~recidive.report.disclosure`),
   curves included, giving a :class:`~recidive.report.content.Content`;
2. :func:`~recidive.report.text.section_text` writes the headline, key sentences,
   method box and notes from it;
3. :func:`~recidive.report.tables.build_tables` and
   :func:`~recidive.report.figures.build_figures` lay the same numbers out;
4. the :class:`~recidive.report.section.Section` renders Markdown, HTML and JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from recidive import defaults
from recidive._arguments import check_conf, check_lang, check_min_cell, check_share
from recidive._version import __version__
from recidive.report.content import GENERAL_HORIZONS, Content, compute_content
from recidive.report.figures import build_figures
from recidive.report.i18n import CATALOGUES, text
from recidive.report.qualifiers import WODC_BENCHMARK, Benchmark, QualifierRules
from recidive.report.section import Section
from recidive.report.tables import build_tables
from recidive.report.text import section_text


def recidivism_section(
    cohort,
    lang: str = defaults.LANG,
    benchmark: float | Benchmark = WODC_BENCHMARK,
    min_cell: int = defaults.MIN_CELL,
    context: Sequence[str] | None = None,
    horizons: Sequence[float] = GENERAL_HORIZONS,
    rules: QualifierRules | None = None,
    population_label: str | None = None,
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
        Recidivism of all adult offenders at 2 years (WODC, 26%); a :class:`Benchmark`
        sets its horizon, label and source.
    min_cell : int
        Disclosure threshold in persons; see :mod:`recidive.report.disclosure`.
    context : sequence of str, optional
        Paragraphs placed, as given, after the key sentences.
    horizons : sequence of float
        Horizons (years) of the general rates table; every year from 1 to 7 by default.
    rules : QualifierRules, optional
        Thresholds of the qualifiers high, fast, serious and young.
    population_label : str, optional
        How the text names the cohort, overriding the name made from the cohort rules'
        population selection (``CohortRules.population``): "daders van binnenlandse
        seksuele uitbuiting" / "offenders of domestic sexual exploitation" for
        ``{"exploitation_form": ["binnenlands_seksueel"]}``, "daders van mensenhandel" /
        "human trafficking offenders" without a selection
        (:func:`recidive.report.population_name`).
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
    lang = check_lang(lang)
    min_cell = check_min_cell(min_cell)
    conf_type, conf_level = check_conf(conf_type, conf_level)
    rules = rules or QualifierRules()
    if not isinstance(benchmark, Benchmark):
        benchmark = Benchmark(rate=check_share(benchmark, "benchmark"))
    say = progress or _silent
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
    words = section_text(content, benchmark, rules, population_label, lang)
    say("drawing figures")
    figures = build_figures(content, benchmark, rules, lang)
    tables = build_tables(content, rules, lang)
    return Section(
        lang=lang,
        title=text("title", lang),
        headline=words.headline,
        sentences=words.sentences,
        qualifiers={k: q.to_dict() for k, q in words.qualifiers.items()},
        numbers=content.numbers,
        tables=tables,
        figures=figures,
        context=tuple(context or ()),
        method=words.method,
        provenance=provenance(content, rules, generated_at),
        notes=words.notes,
        benchmark={
            "rate": benchmark.rate,
            "horizon_years": benchmark.horizon_years,
            "label": benchmark.label(lang),
            "source": benchmark.source,
        },
        labels=dict(CATALOGUES[lang]),
    )


def _silent(message: str) -> None:
    """The progress callback when none is given."""


def provenance(content: Content, rules: QualifierRules, generated_at: datetime | None) -> dict:
    """Where the section comes from: package version, data fingerprint, rules, date."""
    generated = (generated_at or datetime.now(UTC)).isoformat(timespec="seconds")
    return {
        "package": "recidive",
        "version": __version__,
        "fingerprint": content.method["fingerprint"],
        "rules": content.method["rules"],
        "qualifier_rules": rules.to_dict(),
        "min_cell": content.method["min_cell"],
        "generated_at": generated,
    }

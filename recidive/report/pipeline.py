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

import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from recidive import defaults
from recidive._arguments import (
    check_conf,
    check_horizons,
    check_lang,
    check_min_cell,
    check_share,
    check_texts,
    shown,
)
from recidive._version import __version__
from recidive.errors import ArgumentError
from recidive.report.content import GENERAL_HORIZONS, Content, compute_content
from recidive.report.figures import build_figures
from recidive.report.frequency_content import frequency_content
from recidive.report.frequency_section import add_frequency
from recidive.report.i18n import CATALOGUES, text
from recidive.report.qualifiers import WODC_BENCHMARK, Benchmark, QualifierRules
from recidive.report.section import Section
from recidive.report.tables import build_tables
from recidive.report.text import section_text
from recidive.report.trend_section import trend_block


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
    applies disclosure control to every number (``docs/disclosure.md``); generates the
    headline and the key sentences from the numbers; draws the figures.

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
        Disclosure threshold in persons (a whole number >= 1; 1 switches suppression off,
        for analysis inside the secure environment); see :mod:`recidive.report.disclosure`.
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
        Date of generation in the provenance. By default the time in the environment
        variable ``SOURCE_DATE_EPOCH`` (seconds since 1970-01-01 UTC, the reproducible-
        builds convention), so that two runs on the same data give byte-identical files;
        without it, now (UTC).

    Returns
    -------
    Section

    Raises
    ------
    recidive.errors.DisclosureError
        When the cohort has fewer than ``2 * min_cell`` persons (nothing but 0% could be
        published).

    Warns
    -----
    SmallCellWarning
        When disclosure control suppressed cells (the message says which), or when
        ``min_cell`` is below 10.

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
    horizons = tuple(float(h) for h in check_horizons(horizons))
    context = check_texts(context, "context")
    if population_label is not None and not isinstance(population_label, str):
        raise ArgumentError(
            f"population_label must be a text or None; got {shown(population_label)}"
        )
    if not (rules is None or isinstance(rules, QualifierRules)):
        raise ArgumentError(f"rules must be a QualifierRules or None; got {shown(rules)}")
    generated = generation_time(generated_at)
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
    say("estimating the frequency of reoffending")
    frequency = frequency_content(cohort, min_cell, content.general)
    parts = add_frequency(
        {"sentences": words.sentences, "tables": tables, "figures": figures,
         "method": words.method, "numbers": content.numbers},
        frequency, lang, min_cell, conf_level,
    )  # fmt: skip
    say("estimating the trend by year of exit")
    trend = trend_block(
        cohort, lang, len(parts["tables"]) + 1, len(parts["figures"]) + 1, min_cell,
        conf_type, conf_level,
    )  # fmt: skip
    return Section(
        lang=lang,
        title=text("title", lang),
        headline=words.headline,
        sentences=parts["sentences"],
        qualifiers={k: q.to_dict() for k, q in words.qualifiers.items()},
        numbers=parts["numbers"],
        tables=(*parts["tables"], *trend.tables),
        figures=(*parts["figures"], *trend.figures),
        context=context,
        method=(*parts["method"], *trend.method),
        provenance=provenance(content, rules, generated),
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


def generation_time(generated_at: datetime | None = None) -> datetime:
    """``generated_at``, else ``SOURCE_DATE_EPOCH`` (UTC), else now (UTC).

    Examples
    --------
    >>> import os
    >>> os.environ["SOURCE_DATE_EPOCH"] = "1670284800"
    >>> generation_time().isoformat()
    '2022-12-06T00:00:00+00:00'
    >>> del os.environ["SOURCE_DATE_EPOCH"]
    """
    if generated_at is not None:
        if not isinstance(generated_at, datetime):
            raise ArgumentError(
                f"generated_at must be a datetime.datetime; got {shown(generated_at)}"
            )
        return generated_at
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(int(epoch), UTC)
    except (ValueError, OverflowError, OSError):
        raise ArgumentError(
            "the environment variable SOURCE_DATE_EPOCH must be a whole number of seconds "
            f"since 1970-01-01 UTC (e.g. 1670284800); got {shown(epoch)}"
        ) from None


def provenance(content: Content, rules: QualifierRules, generated_at: datetime) -> dict:
    """Where the section comes from: package version, data fingerprint, rules, date."""
    generated = generated_at.isoformat(timespec="seconds")
    return {
        "package": "recidive",
        "version": __version__,
        "fingerprint": content.method["fingerprint"],
        "rules": content.method["rules"],
        "qualifier_rules": rules.to_dict(),
        "min_cell": content.method["min_cell"],
        "generated_at": generated,
    }

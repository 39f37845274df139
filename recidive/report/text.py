"""The text step: every sentence of the section, written from the safe numbers.

It judges the numbers (:mod:`~recidive.report.qualifiers`), writes the headline and
the key sentences (:mod:`~recidive.report.sentences`), the method box
(:mod:`~recidive.report.method_text`) and the footnotes, all in one language and
all from the catalogue (:mod:`~recidive.report.i18n`). It estimates nothing and
hides nothing: what disclosure control removed is already missing from its input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from recidive import defaults
from recidive.report.content import Content
from recidive.report.formatting import level_percent
from recidive.report.i18n import code_label, text
from recidive.report.method_text import method_box
from recidive.report.monitor_text import monitor_sentences
from recidive.report.qualifiers import Benchmark, Qualifier, QualifierRules, evaluate_qualifiers
from recidive.report.sentences import headline, key_sentences


@dataclass(frozen=True)
class SectionText:
    """The words of the section: verdicts, headline, key sentences, method box, notes."""

    population: str
    qualifiers: dict[str, Qualifier]
    headline: str
    sentences: tuple[dict, ...]
    method: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]


def section_text(
    content: Content,
    benchmark: Benchmark,
    rules: QualifierRules,
    population_label: str | None,
    lang: str,
) -> SectionText:
    """Write the section's text from its content.

    Parameters
    ----------
    content : Content
        The numbers after disclosure control.
    benchmark : Benchmark
    rules : QualifierRules
    population_label : str or None
        How the text names the cohort; ``None`` names it from the cohort rules' population
        selection (:func:`population_name`).
    lang : {"nl", "en"}

    Returns
    -------
    SectionText
    """
    population = population_label
    if population is None:
        population = population_name(content.method["rules"].get("population"), lang)
    qualifiers = evaluate_qualifiers(content.numbers, benchmark, rules)
    sentences = key_sentences(qualifiers, content.numbers, benchmark, rules, population, lang)
    sentences += monitor_sentences(content, benchmark, rules, population, lang)
    return SectionText(
        population=population,
        qualifiers=qualifiers,
        headline=headline(qualifiers, content.numbers, rules, lang),
        sentences=tuple(sentences),
        method=tuple(method_box(content, benchmark, rules, population, lang)),
        notes=section_notes(content, lang),
    )


def population_name(population: Mapping[str, Sequence] | None, lang: str = defaults.LANG) -> str:
    """How the text names a study population, from ``CohortRules.population``.

    A selection of exploitation forms names them; without a selection the population is
    all offenders of human trafficking; a selection on other columns is added in brackets.

    Examples
    --------
    >>> population_name({"exploitation_form": ["binnenlands_seksueel"]}, "nl")
    'daders van binnenlandse seksuele uitbuiting'
    >>> population_name({"exploitation_form": ["binnenlands_seksueel"]}, "en")
    'offenders of domestic sexual exploitation'
    >>> population_name(None, "nl"), population_name(None, "en")
    ('daders van mensenhandel', 'human trafficking offenders')
    >>> population_name({"exploitation_form": ["arbeid", "crimineel"], "sex": ["F"]}, "en")
    'offenders of labour exploitation or criminal exploitation (sex: F)'
    """
    selection = dict(population or {})
    forms = selection.pop("exploitation_form", None)
    if forms:
        labels = [code_label(form, lang) for form in forms]
        *first, last = labels
        joined = f"{', '.join(first)} {text('or', lang)} {last}" if first else last
        name = text("population_forms", lang, forms=joined)
    else:
        name = text("population_all", lang)
    if selection:
        details = "; ".join(
            f"{column}: {', '.join(code_label(v, lang) for v in values)}"
            for column, values in selection.items()
        )
        name = f"{name} ({details})"
    return name


def section_notes(content: Content, lang: str) -> tuple[str, ...]:
    """The section's footnotes: the confidence intervals, and × when cells were hidden."""
    m = content.method
    notes = [text("note_ci", lang, level=level_percent(m["conf_level"]), conf_type=m["conf_type"])]
    if content.suppression_notes:
        notes.append(text("note_suppressed", lang, m=m["min_cell"]))
    return tuple(notes)

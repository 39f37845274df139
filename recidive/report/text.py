"""The text step: every sentence of the section, written from the safe numbers.

It judges the numbers (:mod:`~recidive.report.qualifiers`), writes the headline and
the key sentences (:mod:`~recidive.report.sentences`), the method box
(:mod:`~recidive.report.method_text`) and the footnotes, all in one language and
all from the catalogue (:mod:`~recidive.report.i18n`). It estimates nothing and
hides nothing: what disclosure control removed is already missing from its input.
"""

from __future__ import annotations

from dataclasses import dataclass

from recidive.report.content import Content
from recidive.report.formatting import level_percent
from recidive.report.i18n import text
from recidive.report.method_text import method_box
from recidive.report.qualifiers import Benchmark, Qualifier, QualifierRules, evaluate_qualifiers
from recidive.report.sentences import headline, key_sentences

#: The exploitation form whose offenders the monitor's section is about by default.
_DOMESTIC = frozenset({"binnenlands_seksueel"})


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
    population: str | None,
    lang: str,
) -> SectionText:
    """Write the section's text from its content.

    Parameters
    ----------
    content : Content
        The numbers after disclosure control.
    benchmark : Benchmark
    rules : QualifierRules
    population : str or None
        How the text names the cohort; ``None`` names it from its exploitation forms.
    lang : {"nl", "en"}

    Returns
    -------
    SectionText
    """
    if population is None:
        population = population_name(content, lang)
    qualifiers = evaluate_qualifiers(content.numbers, benchmark, rules)
    sentences = key_sentences(qualifiers, content.numbers, benchmark, rules, population, lang)
    return SectionText(
        population=population,
        qualifiers=qualifiers,
        headline=headline(qualifiers, content.numbers, rules, lang),
        sentences=tuple(sentences),
        method=tuple(method_box(content, benchmark, rules, population, lang)),
        notes=section_notes(content, lang),
    )


def population_name(content: Content, lang: str) -> str:
    """The offenders of domestic sexual exploitation when they are the whole cohort,
    else the offenders of human trafficking."""
    forms = set(content.method["exploitation_forms"])
    key = "population_domestic" if forms == _DOMESTIC else "population_all"
    return text(key, lang)


def section_notes(content: Content, lang: str) -> tuple[str, ...]:
    """The section's footnotes: the confidence intervals, and × when cells were hidden."""
    m = content.method
    notes = [text("note_ci", lang, level=level_percent(m["conf_level"]), conf_type=m["conf_type"])]
    if content.suppression_notes:
        notes.append(text("note_suppressed", lang, m=m["min_cell"]))
    return tuple(notes)

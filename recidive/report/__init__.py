"""The monitor's recidivism section: numbers, sentences, tables and figures.

>>> import recidive as rc
>>> cohort = rc.build_cohort(rc.datasets.reference_registry(seed=2022))  # doctest: +SKIP
>>> section = rc.report.recidivism_section(cohort, lang="nl")  # doctest: +SKIP
>>> section.save("out/", formats=("html", "md", "json"))  # doctest: +SKIP

The layer is a pipeline of pure steps, one way (:mod:`~recidive.report.pipeline`):
:mod:`~recidive.report.content` estimates and hands every number, curves included,
to disclosure control (the policy's rules in :mod:`~recidive.report.disclosure`, applied
to rate tables and curves by :mod:`~recidive.report.safe_rates`; ``docs/disclosure.md``);
:mod:`~recidive.report.text` writes the sentences from the safe numbers;
:mod:`~recidive.report.tables` and :mod:`~recidive.report.figures` lay them out; and
:class:`Section` renders them with the Jinja2 templates. Every word comes from the
catalogue in :mod:`~recidive.report.i18n`, the cohort rules' sentences included
(:func:`rules_sentences`).
"""

from recidive.report.method_text import rules_sentences
from recidive.report.pipeline import recidivism_section
from recidive.report.qualifiers import Benchmark, QualifierRules
from recidive.report.section import Column, Figure, Section, Table
from recidive.report.section_schema import SCHEMA_VERSION, section_schema
from recidive.report.text import population_name

__all__ = [
    "Benchmark",
    "Column",
    "Figure",
    "QualifierRules",
    "SCHEMA_VERSION",
    "Section",
    "Table",
    "population_name",
    "recidivism_section",
    "rules_sentences",
    "section_schema",
]

"""The monitor's recidivism section: numbers, sentences, tables and figures.

>>> import recidive as rc
>>> cohort = rc.build_cohort(rc.datasets.reference_registry(seed=2022))  # doctest: +SKIP
>>> section = rc.report.recidivism_section(cohort, lang="nl")  # doctest: +SKIP
>>> section.save("out/", formats=("html", "md", "json"))  # doctest: +SKIP

The layer runs one way: :mod:`~recidive.report.content` estimates and applies
disclosure control (:mod:`~recidive.report.disclosure`),
:mod:`~recidive.report.sentences` turns the safe numbers into qualifiers and
sentences, and :class:`Section` renders them with the Jinja2 templates.
"""

from recidive.report.assemble import recidivism_section
from recidive.report.section import Column, Figure, Section, Table
from recidive.report.sentences import Benchmark, QualifierRules

__all__ = [
    "Benchmark",
    "Column",
    "Figure",
    "QualifierRules",
    "Section",
    "Table",
    "recidivism_section",
]

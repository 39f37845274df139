"""Fixtures of the report tests: cohorts and sections built once per session."""

from report_helpers import (  # noqa: F401
    default_cohort,
    default_section_en,
    default_section_nl,
    published,
    small_cohort,
    small_section_nl,
    tiny_cohort,
)

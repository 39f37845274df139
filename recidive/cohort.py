"""Placeholder: being written."""
Cohort = None
build_cohort = None

"""Placeholder: being written."""
CohortRules = None

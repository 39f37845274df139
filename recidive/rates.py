"""Placeholder: being written."""
age_profile = None
recidivism_rates = None

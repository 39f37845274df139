"""Placeholder: being written."""
RateTable = None
survival_rates = None

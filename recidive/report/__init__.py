"""Placeholder: being written."""
recidivism_section = None
Section = None

"""Placeholder: being written."""
CoxModel = None

"""Placeholder: being written."""
CIFResult = None
cumulative_incidence = None
gray_test = None

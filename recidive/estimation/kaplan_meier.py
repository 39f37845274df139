"""Placeholder: being written."""
KaplanMeier = None
KMResult = None
kaplan_meier = None

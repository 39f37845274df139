"""Placeholder: being written."""
reference_registry = None

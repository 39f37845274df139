"""Placeholder: being written."""
Registry = None

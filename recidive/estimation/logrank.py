"""Placeholder: being written."""
LogRankResult = None
logrank_test = None

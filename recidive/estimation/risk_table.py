"""Placeholder: being written."""
RiskTable = None
risk_table = None

"""Estimators on risk tables: Kaplan-Meier, Aalen-Johansen, log-rank, rates and Cox."""

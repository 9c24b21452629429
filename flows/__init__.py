"""Prefect flows of the cycle: `monthly`, `quarterly`, `annual` (see flows/cycle.py)."""
from flows.cycle import FLOWS, annual, monthly, quarterly

__all__ = ["FLOWS", "monthly", "quarterly", "annual"]

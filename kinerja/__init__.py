"""Kinerja: validated, reproducible performance evaluation of civil servants (ASN)."""
__version__ = "0.1.0"

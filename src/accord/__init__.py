"""Accord: an open-source SLA operations platform."""

__version__ = "0.1.0"

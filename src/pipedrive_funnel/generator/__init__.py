"""Deterministic generator of a Pipedrive CRM export (six CSV files): samples, tests, benchmarks."""

"""Passes over raspir IR, one module per pass (CLI name in kebab-case)."""

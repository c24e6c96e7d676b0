"""Rewrite patterns, one module per dialect, attached to its ops (``canonicalize`` runs them)."""

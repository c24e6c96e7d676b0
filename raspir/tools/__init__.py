"""Command-line tools: ``raspir-opt`` and ``raspir``."""

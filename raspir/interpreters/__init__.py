"""Interpreters: the reference semantics of every IR level, one module per dialect."""

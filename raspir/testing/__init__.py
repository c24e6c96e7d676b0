"""Shared test and benchmark material: the lib program catalogue."""

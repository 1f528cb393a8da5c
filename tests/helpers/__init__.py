"""Shared test helpers for the nngkit suite (imported by conftest and tests)."""

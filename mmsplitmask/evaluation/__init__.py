"""Frozen-feature evaluation of encoders (probes)."""

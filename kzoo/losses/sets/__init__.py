"""Losses for set-valued outputs."""

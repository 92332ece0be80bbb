"""Topological losses."""

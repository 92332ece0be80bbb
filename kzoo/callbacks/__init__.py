"""Callbacks that drive the epoch-level state of kzoo layers."""

from kzoo.layers.dbpm_reweight import DBPMCallback

__all__ = ["DBPMCallback"]

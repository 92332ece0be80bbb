"""Callbacks that drive the epoch-level state of kzoo layers."""

from kzoo.callbacks.dbpm_callback import DBPMCallback

__all__ = ["DBPMCallback"]

"""Layers: components with weights or deployment-relevant graph structure."""

from kzoo.layers.l2_normalization import L2Normalization

__all__ = ["L2Normalization"]

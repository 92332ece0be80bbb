"""Layers: components with weights or deployment-relevant graph structure."""

from kzoo.layers.l2_normalization import L2Normalization
from kzoo.layers.set2set import Set2Set

__all__ = ["L2Normalization", "Set2Set"]

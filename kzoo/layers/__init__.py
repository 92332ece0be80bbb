"""Layers: components with weights or deployment-relevant graph structure."""

from kzoo.layers.isogclr import ISogCLR
from kzoo.layers.l2_normalization import L2Normalization
from kzoo.layers.pair_gate import PairGate

__all__ = [
    "ISogCLR",
    "L2Normalization",
    "PairGate",
]

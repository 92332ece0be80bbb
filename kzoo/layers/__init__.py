"""Layers: components with weights or deployment-relevant graph structure."""

from kzoo.layers.hyperbolic import HyperbolicMLR
from kzoo.layers.hyperbolic import PseudoNegativeSampler
from kzoo.layers.hyperbolic import ToPoincare
from kzoo.layers.l2_normalization import L2Normalization

__all__ = [
    "HyperbolicMLR",
    "L2Normalization",
    "PseudoNegativeSampler",
    "ToPoincare",
]

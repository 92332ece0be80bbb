"""Layers: components with weights or deployment-relevant graph structure."""

from kzoo.layers.cosine_classifier import CosineClassifier
from kzoo.layers.l2_normalization import L2Normalization
from kzoo.layers.margin_heads import ArcFaceHead
from kzoo.layers.margin_heads import CosFaceHead
from kzoo.layers.margin_heads import UNPGHead
from kzoo.layers.margin_heads import whisker_filter

__all__ = [
    "ArcFaceHead",
    "CosFaceHead",
    "CosineClassifier",
    "L2Normalization",
    "UNPGHead",
    "whisker_filter",
]

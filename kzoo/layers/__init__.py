"""Layers: components with weights or deployment-relevant graph structure."""

from kzoo.layers.l2_normalization import L2Normalization

__all__ = ["L2Normalization"]
from kzoo.layers.margin_heads import ArcFaceHead  # noqa: E402
from kzoo.layers.margin_heads import CosFaceHead  # noqa: E402
from kzoo.layers.margin_heads import UNPGHead  # noqa: E402
from kzoo.layers.margin_heads import whisker_filter  # noqa: E402

__all__ += ["ArcFaceHead", "CosFaceHead", "UNPGHead", "whisker_filter"]
from kzoo.layers.cosine_classifier import CosineClassifier  # noqa: E402

__all__ += ["CosineClassifier"]

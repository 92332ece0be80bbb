"""Layers: components with weights or deployment-relevant graph structure."""

from kzoo.layers.adaptive_temperature_heads import AdaptiveTemperatureHeads
from kzoo.layers.adaptive_weighted_info_nce import AdaptiveWeightedInfoNCE
from kzoo.layers.cosine_classifier import CosineClassifier
from kzoo.layers.dbpm_reweight import DBPMReweight
from kzoo.layers.isogclr import ISogCLR
from kzoo.layers.l2_normalization import L2Normalization
from kzoo.layers.margin_heads import ArcFaceHead
from kzoo.layers.margin_heads import CosFaceHead
from kzoo.layers.margin_heads import UNPGHead
from kzoo.layers.margin_heads import whisker_filter
from kzoo.layers.pair_gate import PairGate

__all__ = [
    "AdaptiveTemperatureHeads",
    "AdaptiveWeightedInfoNCE",
    "ArcFaceHead",
    "CosFaceHead",
    "CosineClassifier",
    "DBPMReweight",
    "ISogCLR",
    "L2Normalization",
    "PairGate",
    "UNPGHead",
    "whisker_filter",
]

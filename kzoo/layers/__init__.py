"""Layers: components with weights or deployment-relevant graph structure."""

from kzoo.layers.adaptive_temperature_heads import AdaptiveTemperatureHeads
from kzoo.layers.adaptive_weighted_info_nce import AdaptiveWeightedInfoNCE
from kzoo.layers.dbpm_reweight import DBPMReweight
from kzoo.layers.l2_normalization import L2Normalization

__all__ = [
    "AdaptiveTemperatureHeads",
    "AdaptiveWeightedInfoNCE",
    "DBPMReweight",
    "L2Normalization",
]

"""Layers: components with weights or deployment-relevant graph structure."""

from kzoo.layers.l2_normalization import L2Normalization

__all__ = ["L2Normalization"]
from kzoo.layers.adaptive_temperature_heads import (  # noqa: E402
    AdaptiveTemperatureHeads,
)
from kzoo.layers.adaptive_weighted_info_nce import (  # noqa: E402
    AdaptiveWeightedInfoNCE,
)
from kzoo.layers.dbpm_reweight import DBPMReweight  # noqa: E402

__all__ += [
    "AdaptiveTemperatureHeads",
    "AdaptiveWeightedInfoNCE",
    "DBPMReweight",
]

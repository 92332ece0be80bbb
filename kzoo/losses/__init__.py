"""Losses. Each class has a snake_case functional twin returning per-sample
values."""

from kzoo.losses.base import ClassificationLoss
from kzoo.losses.base import EmbeddingLoss
from kzoo.losses.base import PairWeightingLoss
from kzoo.losses.base import reduce_loss
from kzoo.losses.classification.z_loss import ZLoss
from kzoo.losses.classification.z_loss import z_loss
from kzoo.losses.contrastive.ntxent_loss import NTXentLoss
from kzoo.losses.contrastive.ntxent_loss import ntxent
from kzoo.losses.metric_learning.contrastive_loss import ContrastiveLoss
from kzoo.losses.metric_learning.contrastive_loss import contrastive
from kzoo.losses.metric_learning.multi_similarity_loss import (
    MultiSimilarityLoss,
)
from kzoo.losses.metric_learning.multi_similarity_loss import multi_similarity
from kzoo.losses.metric_learning.triplet_margin_loss import TripletMarginLoss
from kzoo.losses.metric_learning.triplet_margin_loss import triplet_margin

__all__ = [
    "ClassificationLoss",
    "ContrastiveLoss",
    "EmbeddingLoss",
    "MultiSimilarityLoss",
    "NTXentLoss",
    "PairWeightingLoss",
    "TripletMarginLoss",
    "ZLoss",
    "contrastive",
    "multi_similarity",
    "ntxent",
    "reduce_loss",
    "triplet_margin",
    "z_loss",
]
from kzoo.losses.contrastive.amcl_loss import AMCLLoss  # noqa: E402
from kzoo.losses.contrastive.amcl_loss import amcl  # noqa: E402
from kzoo.losses.contrastive.graph_matching_loss import (  # noqa: E402
    GraphMatchingLoss,
)
from kzoo.losses.contrastive.graph_matching_loss import (  # noqa: E402
    graph_matching,
)
from kzoo.losses.contrastive.meow_losses import ProtoNCE  # noqa: E402
from kzoo.losses.contrastive.meow_losses import WeightedInfoNCE  # noqa: E402
from kzoo.losses.contrastive.meow_losses import proto_nce  # noqa: E402
from kzoo.losses.contrastive.meow_losses import (  # noqa: E402
    weighted_info_nce,
)
from kzoo.losses.contrastive.pairing_net_loss import (  # noqa: E402
    PairingNetLoss,
)
from kzoo.losses.contrastive.pairing_net_loss import pairing_net  # noqa: E402
from kzoo.losses.contrastive.pamc_loss import PamCLoss  # noqa: E402
from kzoo.losses.contrastive.pamc_loss import pamc  # noqa: E402

__all__ += [
    "AMCLLoss",
    "GraphMatchingLoss",
    "PairingNetLoss",
    "PamCLoss",
    "ProtoNCE",
    "WeightedInfoNCE",
    "amcl",
    "graph_matching",
    "pairing_net",
    "pamc",
    "proto_nce",
    "weighted_info_nce",
]

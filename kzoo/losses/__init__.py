"""Losses. Each class has a snake_case functional twin returning per-sample
values."""

from kzoo.losses.base import ClassificationLoss
from kzoo.losses.base import EmbeddingLoss
from kzoo.losses.base import InBatchNegativeLoss
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
    "InBatchNegativeLoss",
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

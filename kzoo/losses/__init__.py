"""Losses. Each class has a snake_case functional twin returning per-sample
values."""

from kzoo.losses.base import ClassificationLoss
from kzoo.losses.base import EmbeddingLoss
from kzoo.losses.base import PairWeightingLoss
from kzoo.losses.base import reduce_loss
from kzoo.losses.classification.z_loss import ZLoss
from kzoo.losses.classification.z_loss import z_loss
from kzoo.losses.contrastive.mann_whitney_loss import MannWhitneyLoss
from kzoo.losses.contrastive.mann_whitney_loss import mann_whitney
from kzoo.losses.contrastive.ntxent_loss import NTXentLoss
from kzoo.losses.contrastive.ntxent_loss import ntxent
from kzoo.losses.metric_learning.contrastive_loss import ContrastiveLoss
from kzoo.losses.metric_learning.contrastive_loss import contrastive
from kzoo.losses.metric_learning.facial_symmetry_loss import FacialSymmetryLoss
from kzoo.losses.metric_learning.few_shot_losses import ICNNLoss
from kzoo.losses.metric_learning.few_shot_losses import ProtoTripletLoss
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
    "FacialSymmetryLoss",
    "ICNNLoss",
    "MannWhitneyLoss",
    "MultiSimilarityLoss",
    "NTXentLoss",
    "PairWeightingLoss",
    "ProtoTripletLoss",
    "TripletMarginLoss",
    "ZLoss",
    "contrastive",
    "mann_whitney",
    "multi_similarity",
    "ntxent",
    "reduce_loss",
    "triplet_margin",
    "z_loss",
]

"""Losses. Each class has a snake_case functional twin returning per-sample
values."""

from kzoo.losses.base import ClassificationLoss
from kzoo.losses.base import EmbeddingLoss
from kzoo.losses.base import InBatchNegativeLoss
from kzoo.losses.base import PairWeightingLoss
from kzoo.losses.base import reduce_loss
from kzoo.losses.classification.z_loss import ZLoss
from kzoo.losses.classification.z_loss import z_loss
from kzoo.losses.contrastive.amcl_loss import AMCLLoss
from kzoo.losses.contrastive.amcl_loss import amcl
from kzoo.losses.contrastive.graph_matching_loss import GraphMatchingLoss
from kzoo.losses.contrastive.graph_matching_loss import graph_matching
from kzoo.losses.contrastive.groco_loss import GroCoLoss
from kzoo.losses.contrastive.groco_loss import groco
from kzoo.losses.contrastive.hard_contrastive_loss import HardContrastiveLoss
from kzoo.losses.contrastive.hard_contrastive_loss import hard_contrastive
from kzoo.losses.contrastive.mann_whitney_loss import MannWhitneyLoss
from kzoo.losses.contrastive.mann_whitney_loss import mann_whitney
from kzoo.losses.contrastive.meow_losses import ProtoNCE
from kzoo.losses.contrastive.meow_losses import WeightedInfoNCE
from kzoo.losses.contrastive.meow_losses import proto_nce
from kzoo.losses.contrastive.meow_losses import weighted_info_nce
from kzoo.losses.contrastive.multi_positive_infonce_loss import (
    MultiPositiveInfoNCELoss,
)
from kzoo.losses.contrastive.multi_positive_infonce_loss import (
    multi_positive_info_nce,
)
from kzoo.losses.contrastive.ntxent_loss import NTXentLoss
from kzoo.losses.contrastive.ntxent_loss import ntxent
from kzoo.losses.contrastive.pairing_net_loss import PairingNetLoss
from kzoo.losses.contrastive.pairing_net_loss import pairing_net
from kzoo.losses.contrastive.pamc_loss import PamCLoss
from kzoo.losses.contrastive.pamc_loss import pamc
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
    "AMCLLoss",
    "ClassificationLoss",
    "ContrastiveLoss",
    "EmbeddingLoss",
    "FacialSymmetryLoss",
    "GraphMatchingLoss",
    "GroCoLoss",
    "HardContrastiveLoss",
    "ICNNLoss",
    "InBatchNegativeLoss",
    "MannWhitneyLoss",
    "MultiPositiveInfoNCELoss",
    "MultiSimilarityLoss",
    "NTXentLoss",
    "PairWeightingLoss",
    "PairingNetLoss",
    "PamCLoss",
    "ProtoNCE",
    "ProtoTripletLoss",
    "TripletMarginLoss",
    "WeightedInfoNCE",
    "ZLoss",
    "amcl",
    "contrastive",
    "graph_matching",
    "groco",
    "hard_contrastive",
    "mann_whitney",
    "multi_positive_info_nce",
    "multi_similarity",
    "ntxent",
    "pairing_net",
    "pamc",
    "proto_nce",
    "reduce_loss",
    "triplet_margin",
    "weighted_info_nce",
    "z_loss",
]

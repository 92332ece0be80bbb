"""Losses. Each class has a snake_case functional twin returning per-sample
values."""

from kzoo.api_export import deprecated_getattr
from kzoo.losses import inputs  # noqa: F401  (kzoo.losses.inputs)
from kzoo.losses.aggregate.bag_loss import BagLoss
from kzoo.losses.aggregate.bag_loss import bag
from kzoo.losses.aggregate.instance_loss import InstanceLoss
from kzoo.losses.aggregate.instance_loss import instance
from kzoo.losses.aggregate.interpolating_bag_loss import InterpolatingBagLoss
from kzoo.losses.aggregate.interpolating_bag_loss import interpolating_bag
from kzoo.losses.classification.any_loss import AnyLoss
from kzoo.losses.classification.any_loss import any_loss
from kzoo.losses.classification.comp_sum_loss import CompSumLoss
from kzoo.losses.classification.comp_sum_loss import comp_sum
from kzoo.losses.classification.dpo_loss import DPOLoss
from kzoo.losses.classification.dpo_loss import dpo
from kzoo.losses.classification.ens_loss import EnsLoss
from kzoo.losses.classification.ens_loss import ens_loss
from kzoo.losses.classification.ldr_kl_loss import LDRKLLoss
from kzoo.losses.classification.ldr_kl_loss import ldr_kl
from kzoo.losses.classification.z_loss import ZLoss
from kzoo.losses.classification.z_loss import z_loss
from kzoo.losses.classification_loss import ClassificationLoss
from kzoo.losses.contrastive_learning.amcl_loss import AMCLLoss
from kzoo.losses.contrastive_learning.amcl_loss import amcl
from kzoo.losses.contrastive_learning.graph_matching_loss import (
    GraphMatchingLoss,
)
from kzoo.losses.contrastive_learning.graph_matching_loss import graph_matching
from kzoo.losses.contrastive_learning.groco_loss import GroCoLoss
from kzoo.losses.contrastive_learning.groco_loss import groco
from kzoo.losses.contrastive_learning.hard_contrastive_loss import (
    HardContrastiveLoss,
)
from kzoo.losses.contrastive_learning.hard_contrastive_loss import (
    hard_contrastive,
)
from kzoo.losses.contrastive_learning.mann_whitney_loss import MannWhitneyLoss
from kzoo.losses.contrastive_learning.mann_whitney_loss import mann_whitney
from kzoo.losses.contrastive_learning.multi_positive_info_nce_loss import (
    MultiPositiveInfoNCELoss,
)
from kzoo.losses.contrastive_learning.multi_positive_info_nce_loss import (
    multi_positive_info_nce,
)
from kzoo.losses.contrastive_learning.ntxent_loss import NTXentLoss
from kzoo.losses.contrastive_learning.ntxent_loss import ntxent
from kzoo.losses.contrastive_learning.pairing_net_loss import PairingNetLoss
from kzoo.losses.contrastive_learning.pairing_net_loss import pairing_net
from kzoo.losses.contrastive_learning.pamc_loss import PamCLoss
from kzoo.losses.contrastive_learning.pamc_loss import pamc
from kzoo.losses.contrastive_learning.proto_nce_loss import ProtoNCELoss
from kzoo.losses.contrastive_learning.proto_nce_loss import proto_nce
from kzoo.losses.contrastive_learning.weighted_info_nce_loss import (
    WeightedInfoNCELoss,
)
from kzoo.losses.contrastive_learning.weighted_info_nce_loss import (
    weighted_info_nce,
)
from kzoo.losses.distillation.assistive_loss import AssistiveLoss
from kzoo.losses.distillation.assistive_loss import assistive
from kzoo.losses.distillation.binary_kl_loss import BinaryKLLoss
from kzoo.losses.distillation.binary_kl_loss import binary_kl
from kzoo.losses.distillation.binary_kl_norm_loss import BinaryKLNormLoss
from kzoo.losses.distillation.binary_kl_norm_loss import binary_kl_norm
from kzoo.losses.distillation.kd_landmark_loss import KDLandmarkLoss
from kzoo.losses.distillation.kd_landmark_loss import kd_landmark
from kzoo.losses.embedding_loss import EmbeddingLoss
from kzoo.losses.hyperbolic.hyp_cross_entropy_loss import HypCrossEntropyLoss
from kzoo.losses.hyperbolic.hyp_cross_entropy_loss import hyp_cross_entropy
from kzoo.losses.hyperbolic.hyp_pairwise_confusion_loss import (
    HypPairwiseConfusionLoss,
)
from kzoo.losses.hyperbolic.hyp_pairwise_confusion_loss import (
    hyp_pairwise_confusion,
)
from kzoo.losses.in_batch_negative_loss import InBatchNegativeLoss
from kzoo.losses.information.conditional_cs_divergence_loss import (
    ConditionalCSDivergenceLoss,
)
from kzoo.losses.information.conditional_cs_divergence_loss import (
    conditional_cs_divergence,
)
from kzoo.losses.information.csqmi_loss import CSQMILoss
from kzoo.losses.information.csqmi_loss import csqmi
from kzoo.losses.loss import Loss
from kzoo.losses.metric_learning.contrastive_loss import ContrastiveLoss
from kzoo.losses.metric_learning.contrastive_loss import contrastive
from kzoo.losses.metric_learning.facial_symmetry_loss import FacialSymmetryLoss
from kzoo.losses.metric_learning.facial_symmetry_loss import facial_symmetry
from kzoo.losses.metric_learning.icnn_loss import ICNNLoss
from kzoo.losses.metric_learning.icnn_loss import icnn
from kzoo.losses.metric_learning.multi_similarity_loss import (
    MultiSimilarityLoss,
)
from kzoo.losses.metric_learning.multi_similarity_loss import multi_similarity
from kzoo.losses.metric_learning.proto_triplet_loss import ProtoTripletLoss
from kzoo.losses.metric_learning.proto_triplet_loss import proto_triplet
from kzoo.losses.metric_learning.triplet_margin_loss import TripletMarginLoss
from kzoo.losses.metric_learning.triplet_margin_loss import triplet_margin
from kzoo.losses.pair_weighting_loss import PairWeightingLoss
from kzoo.losses.reduction import reduce_loss
from kzoo.losses.sets.order_search_loss import OrderSearchLoss
from kzoo.losses.sets.order_search_loss import order_search
from kzoo.losses.topology.betti_matching_loss import BettiMatchingLoss
from kzoo.losses.topology.betti_matching_loss import betti_matching

__all__ = [
    "AMCLLoss",
    "AnyLoss",
    "AssistiveLoss",
    "BagLoss",
    "BettiMatchingLoss",
    "BinaryKLLoss",
    "BinaryKLNormLoss",
    "CSQMILoss",
    "ClassificationLoss",
    "CompSumLoss",
    "ConditionalCSDivergenceLoss",
    "ContrastiveLoss",
    "DPOLoss",
    "EmbeddingLoss",
    "EnsLoss",
    "FacialSymmetryLoss",
    "GraphMatchingLoss",
    "GroCoLoss",
    "HardContrastiveLoss",
    "HypCrossEntropyLoss",
    "HypPairwiseConfusionLoss",
    "ICNNLoss",
    "InBatchNegativeLoss",
    "InstanceLoss",
    "InterpolatingBagLoss",
    "KDLandmarkLoss",
    "LDRKLLoss",
    "Loss",
    "MannWhitneyLoss",
    "MultiPositiveInfoNCELoss",
    "MultiSimilarityLoss",
    "NTXentLoss",
    "OrderSearchLoss",
    "PairWeightingLoss",
    "PairingNetLoss",
    "PamCLoss",
    "ProtoNCELoss",
    "ProtoTripletLoss",
    "TripletMarginLoss",
    "WeightedInfoNCELoss",
    "ZLoss",
    "amcl",
    "any_loss",
    "assistive",
    "bag",
    "betti_matching",
    "binary_kl",
    "binary_kl_norm",
    "comp_sum",
    "conditional_cs_divergence",
    "contrastive",
    "csqmi",
    "dpo",
    "ens_loss",
    "facial_symmetry",
    "graph_matching",
    "groco",
    "hard_contrastive",
    "icnn",
    "hyp_cross_entropy",
    "hyp_pairwise_confusion",
    "instance",
    "interpolating_bag",
    "kd_landmark",
    "ldr_kl",
    "mann_whitney",
    "multi_positive_info_nce",
    "multi_similarity",
    "ntxent",
    "order_search",
    "pairing_net",
    "pamc",
    "proto_nce",
    "proto_triplet",
    "reduce_loss",
    "triplet_margin",
    "weighted_info_nce",
    "z_loss",
]

# Deprecated public names (`kzoo.api_export.deprecated_alias`).
__getattr__ = deprecated_getattr(__name__)

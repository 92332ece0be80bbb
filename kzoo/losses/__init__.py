"""Losses. Each class has a snake_case functional twin returning per-sample
values."""

from kzoo.losses import inputs  # noqa: F401  (kzoo.losses.inputs)
from kzoo.losses.aggregate.bag_losses import BagLoss
from kzoo.losses.aggregate.bag_losses import InstanceLoss
from kzoo.losses.aggregate.bag_losses import InterpolatingBagLoss
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
from kzoo.losses.distillation.binary_kl import BinaryKLLoss
from kzoo.losses.distillation.binary_kl import BinaryKLNormLoss
from kzoo.losses.distillation.binary_kl import binary_kl
from kzoo.losses.distillation.binary_kl import binary_kl_norm
from kzoo.losses.distillation.landmark_kd import AssistiveLoss
from kzoo.losses.distillation.landmark_kd import KDLandmarkLoss
from kzoo.losses.embedding_loss import EmbeddingLoss
from kzoo.losses.hyperbolic.hyp_oc import HypCrossEntropy
from kzoo.losses.hyperbolic.hyp_oc import HypPairwiseConfusionLoss
from kzoo.losses.in_batch_negative_loss import InBatchNegativeLoss
from kzoo.losses.information.cauchy_schwarz import ConditionalCSDivergenceLoss
from kzoo.losses.information.cauchy_schwarz import CSQMILoss
from kzoo.losses.loss import Loss
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
    "HypCrossEntropy",
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
    "ProtoNCE",
    "ProtoTripletLoss",
    "TripletMarginLoss",
    "WeightedInfoNCE",
    "ZLoss",
    "amcl",
    "any_loss",
    "betti_matching",
    "binary_kl",
    "binary_kl_norm",
    "comp_sum",
    "contrastive",
    "dpo",
    "ens_loss",
    "graph_matching",
    "groco",
    "hard_contrastive",
    "ldr_kl",
    "mann_whitney",
    "multi_positive_info_nce",
    "multi_similarity",
    "ntxent",
    "order_search",
    "pairing_net",
    "pamc",
    "proto_nce",
    "reduce_loss",
    "triplet_margin",
    "weighted_info_nce",
    "z_loss",
]

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
from kzoo.losses.hyperbolic.hyp_oc import HypCrossEntropy
from kzoo.losses.hyperbolic.hyp_oc import HypPairwiseConfusionLoss
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
from kzoo.losses.sets.order_search_loss import OrderSearchLoss
from kzoo.losses.sets.order_search_loss import order_search
from kzoo.losses.topology.betti_matching_loss import BettiMatchingLoss
from kzoo.losses.topology.betti_matching_loss import betti_matching

__all__ = [
    "BettiMatchingLoss",
    "ClassificationLoss",
    "ContrastiveLoss",
    "EmbeddingLoss",
    "FacialSymmetryLoss",
    "ICNNLoss",
    "MannWhitneyLoss",
    "MultiSimilarityLoss",
    "NTXentLoss",
    "OrderSearchLoss",
    "PairWeightingLoss",
    "ProtoTripletLoss",
    "TripletMarginLoss",
    "ZLoss",
    "betti_matching",
    "contrastive",
    "mann_whitney",
    "multi_similarity",
    "ntxent",
    "order_search",
    "reduce_loss",
    "triplet_margin",
    "z_loss",
    "HypCrossEntropy",
    "HypPairwiseConfusionLoss",
]
from kzoo.losses.classification.any_loss import AnyLoss  # noqa: E402
from kzoo.losses.classification.any_loss import any_loss  # noqa: E402
from kzoo.losses.classification.comp_sum_loss import CompSumLoss  # noqa: E402
from kzoo.losses.classification.comp_sum_loss import comp_sum  # noqa: E402
from kzoo.losses.classification.dpo_loss import DPOLoss  # noqa: E402
from kzoo.losses.classification.dpo_loss import dpo  # noqa: E402
from kzoo.losses.classification.ens_loss import EnsLoss  # noqa: E402
from kzoo.losses.classification.ens_loss import ens_loss  # noqa: E402
from kzoo.losses.classification.ldr_kl_loss import LDRKLLoss  # noqa: E402
from kzoo.losses.classification.ldr_kl_loss import ldr_kl  # noqa: E402

__all__ += [
    "AnyLoss",
    "CompSumLoss",
    "DPOLoss",
    "EnsLoss",
    "LDRKLLoss",
    "any_loss",
    "comp_sum",
    "dpo",
    "ens_loss",
    "ldr_kl",
]

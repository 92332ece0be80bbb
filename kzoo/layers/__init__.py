"""Layers: components with weights or deployment-relevant graph structure."""

from kzoo.layers.adaptive_temperature_heads import AdaptiveTemperatureHeads
from kzoo.layers.adaptive_weighted_info_nce import AdaptiveWeightedInfoNCE
from kzoo.layers.aldr_kl import ALDRKL
from kzoo.layers.arc_face_head import ArcFaceHead
from kzoo.layers.cos_face_head import CosFaceHead
from kzoo.layers.cosine_classifier import CosineClassifier
from kzoo.layers.dbpm_reweight import DBPMReweight
from kzoo.layers.ens_loss_head import EnsLossHead
from kzoo.layers.gaussian_naive_bayes_head import GaussianNaiveBayesHead
from kzoo.layers.hyperbolic_mlr import HyperbolicMLR
from kzoo.layers.isogclr import ISogCLR
from kzoo.layers.l2_normalization import L2Normalization
from kzoo.layers.pair_gate import PairGate
from kzoo.layers.pseudo_negative_sampler import PseudoNegativeSampler
from kzoo.layers.set2set import Set2Set
from kzoo.layers.to_poincare import ToPoincare
from kzoo.layers.unpg_head import UNPGHead
from kzoo.layers.unpg_head import whisker_filter

__all__ = [
    "ALDRKL",
    "AdaptiveTemperatureHeads",
    "AdaptiveWeightedInfoNCE",
    "ArcFaceHead",
    "CosFaceHead",
    "CosineClassifier",
    "DBPMReweight",
    "EnsLossHead",
    "GaussianNaiveBayesHead",
    "HyperbolicMLR",
    "ISogCLR",
    "L2Normalization",
    "PairGate",
    "PseudoNegativeSampler",
    "Set2Set",
    "ToPoincare",
    "UNPGHead",
    "whisker_filter",
]

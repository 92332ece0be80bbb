"""Layers: components with weights or deployment-relevant graph structure."""

from kzoo.layers.l2_normalization import L2Normalization

__all__ = ["L2Normalization"]
from kzoo.layers.aldr_kl import ALDRKL  # noqa: E402
from kzoo.layers.ens_loss_head import EnsLossHead  # noqa: E402

__all__ += ["ALDRKL", "EnsLossHead"]

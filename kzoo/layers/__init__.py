"""Layers: components with weights or deployment-relevant graph structure."""

from kzoo.layers.l2_normalization import L2Normalization

__all__ = ["L2Normalization"]

from kzoo.layers.gaussian_naive_bayes_head import GaussianNaiveBayesHead  # noqa: E402

__all__ += ["GaussianNaiveBayesHead"]

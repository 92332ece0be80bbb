"""Training procedures whose step needs gradients inside it (over weights
and over inputs): one `train_step` per backend behind `fit`."""

from kzoo.training.adversarial import SmoothAdversarialModel
from kzoo.training.base import GradientStepModel
from kzoo.training.ignite import SharpnessConstrainedModel
from kzoo.training.rss import RobustSelfTrainingModel

__all__ = [
    "GradientStepModel",
    "RobustSelfTrainingModel",
    "SharpnessConstrainedModel",
    "SmoothAdversarialModel",
]

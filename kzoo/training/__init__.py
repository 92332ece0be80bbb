"""Training procedures whose step needs gradients inside it (over weights
and over inputs): one `train_step` per backend behind `fit`."""

from kzoo.training.gradient_step_model import GradientStepModel
from kzoo.training.robust_self_training_model import RobustSelfTrainingModel
from kzoo.training.sharpness_constrained_model import SharpnessConstrainedModel
from kzoo.training.smooth_adversarial_model import SmoothAdversarialModel

__all__ = [
    "GradientStepModel",
    "RobustSelfTrainingModel",
    "SharpnessConstrainedModel",
    "SmoothAdversarialModel",
]

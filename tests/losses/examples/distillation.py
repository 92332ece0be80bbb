"""Examples for the distillation losses."""

import numpy as np

from tests.losses.examples import Example
from tests.losses.examples import example


def _logit_pair(rng, batch=6, classes=4):
    teacher = rng.normal(scale=2.0, size=(batch, classes)).astype("float32")
    student = rng.normal(scale=2.0, size=(batch, classes)).astype("float32")
    return teacher, student


def _landmarks(rng, teachers, batch=5, coordinates=6):
    gt = rng.uniform(-1.0, 1.0, size=(batch, coordinates))
    stacked = [gt] + [
        gt + 0.1 * (i + 1) * rng.normal(size=gt.shape) for i in range(teachers)
    ]
    pred = gt + 0.3 * rng.normal(size=gt.shape)
    return np.stack(stacked, axis=1).astype("float32"), pred.astype("float32")


@example("BinaryKLLoss")
def _binary_kl(rng):
    return Example(*_logit_pair(rng), kwargs={"temperature": 3.0})


@example("BinaryKLNormLoss")
def _binary_kl_norm(rng):
    return Example(*_logit_pair(rng), kwargs={"temperature": 3.0})


@example("AssistiveLoss")
def _assistive(rng):
    return Example(
        *_landmarks(rng, 1), kwargs={"alpha": 1.8, "alpha_neg": -0.4}
    )


@example("KDLandmarkLoss")
def _kd_landmark(rng):
    return Example(
        *_landmarks(rng, 2), kwargs={"main_weight": 1.0, "tol_weight": 0.5}
    )

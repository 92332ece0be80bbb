"""Argument checks shared by the samplers."""

import numpy as np

from kzoo._validation import check_integer


def label_vector(labels):
    y = np.asarray(labels)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(
            "`labels` must be one label per sample, shape (n,) or (n, 1). "
            f"Received: labels.shape={y.shape}"
        )
    return y


def positive_integer(name, value):
    check_integer(name, value)
    if value < 1:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )
    return value

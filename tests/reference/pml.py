"""pytorch-metric-learning 2.9.0 run in float64 as the parity reference.

PML is torch-only; torch imports cleanly next to Keras on every backend, so the
reference runs inline in the test process whatever KERAS_BACKEND is.
"""

import numpy as np
import torch
from pytorch_metric_learning import distances
from pytorch_metric_learning import losses
from pytorch_metric_learning import miners

__all__ = ["distances", "losses", "miners", "value_and_grad", "mined_indices"]


def value_and_grad(loss, labels, x, miner=None):
    """Loss value and d loss / d x in float64, optionally with a PML miner."""
    t = torch.tensor(np.asarray(x), dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(np.asarray(labels).astype("int64"))
    indices = None if miner is None else miner(t, ty)
    value = loss(t, ty, indices)
    value.backward()
    grad = (
        t.grad.numpy()
        if t.grad is not None
        else np.zeros_like(x, dtype="float64")
    )
    return float(value.detach()), grad


def mined_indices(miner, labels, x):
    t = torch.tensor(np.asarray(x), dtype=torch.float64)
    ty = torch.tensor(np.asarray(labels).astype("int64"))
    return tuple(i.numpy() for i in miner(t, ty))


def pml_degenerate_batch(indices):
    """True when PML's GenericPairLoss would return 0 because every index
    tensor has at most one entry (its `len(x) <= 1` test); kzoo computes the
    loss of those pairs instead."""
    return all(len(i) <= 1 for i in indices)

"""Test support for kzoo and for code built on it.

- `value_and_grad`: one call that differentiates a function of NumPy inputs on
  whichever backend is active (JAX, TensorFlow or PyTorch).
- `numerical_gradient` / `directional_derivative`: central finite differences.
- `EmbeddingLossChecklist`, `ClassificationLossChecklist`: pytest mixins that
  run kzoo's per-loss checklist (degenerate batches, finite-difference gradient,
  reductions, serialization, `.keras` round trip, `fit` with and without
  `jit_compile`, mixed precision, bad input, large integer labels) on a loss
  class.

Importing this module imports pytest; it is meant for test code.
"""

from kzoo.testing.checklist import ClassificationLossChecklist
from kzoo.testing.checklist import EmbeddingLossChecklist
from kzoo.testing.data import clustered_embeddings
from kzoo.testing.gradients import directional_derivative
from kzoo.testing.gradients import numerical_gradient
from kzoo.testing.gradients import value_and_grad

__all__ = [
    "ClassificationLossChecklist",
    "EmbeddingLossChecklist",
    "clustered_embeddings",
    "directional_derivative",
    "numerical_gradient",
    "value_and_grad",
]

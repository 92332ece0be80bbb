"""Normalized binary KL loss of Dual-Head Knowledge Distillation (Yang et
al., 2024)."""

import math

from keras import ops

from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.losses.distillation.binary_kl_loss import TEACHER_AND_STUDENT_LOGITS
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin

_LOG2 = math.log(2.0)


@kzoo_export("kzoo.losses.BinaryKLNormLoss")
class BinaryKLNormLoss(Loss):
    """Normalized binary KL of Dual-Head KD (logit matching on the aux head).

    The sigmoid of the scaled logit difference is pulled to 1/2, so the
    loss is minimal, and zero, exactly when student and teacher logits are
    equal. Dual-Head KD applies it to an auxiliary head of the student while
    the main head is trained with cross-entropy; the auxiliary head is dropped
    at inference (see `kzoo.models.DualHeadStudent`).

    Formula (teacher logits t = `y_true`, student logits s = `y_pred`, both
    `[B, K]`; per sample):

    ```
    d_k = (s_k − t_k) / T
    ℓ = T² Σ_k KL( Bern(1/2) ‖ Bern(σ(d_k)) )
      = T² Σ_k [ −log 2 + ½ (softplus(d_k) + softplus(−d_k)) ]
    ```

    The default reduction gives `(T²/N) Σ_{n,k}`, the official
    `BinaryKLNorm` module (which clamps σ(d) to [1e-8, 1 − 1e-8]; kzoo uses
    the exact softplus form). Hand value: one logit, s = 1, t = 0, T = 2 →
    0.1237192.

    Args:
        temperature: T > 0. Defaults to `2.0` (the official `--BinaryKL_T`).
        {{loss_args}}

    Example:

    ```python
    student = kzoo.models.DualHeadStudent(backbone, num_classes=10)
    distiller = kzoo.models.Distiller(
        student, teacher,
        distillation_loss=kzoo.losses.BinaryKLNormLoss(),
        student_loss=keras.losses.SparseCategoricalCrossentropy(
            from_logits=True))
    ```

    References:
        - [Yang et al., 2024](https://arxiv.org/abs/2411.08937), Dual-Head
          Knowledge Distillation: Enhancing Logits Utilization with an
          Auxiliary Head, KDD 2025.
    """

    input_kind = TEACHER_AND_STUDENT_LOGITS

    def __init__(
        self,
        temperature=2.0,
        name="binary_kl_norm_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.temperature = check_positive("temperature", temperature)

    def call(self, teacher, student):
        teacher = ops.stop_gradient(teacher)
        d = (student - teacher) / self.temperature
        per = 0.5 * (ops.softplus(d) + ops.softplus(-d)) - _LOG2
        return self.temperature**2 * ops.sum(per, axis=-1)


binary_kl_norm = kzoo_export("kzoo.losses.binary_kl_norm")(
    functional_twin(BinaryKLNormLoss, "binary_kl_norm")
)

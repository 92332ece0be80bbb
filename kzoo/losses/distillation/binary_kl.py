"""Binary KL losses of Dual-Head Knowledge Distillation (Yang et al., 2024)."""

import math

from keras import ops

from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.losses.base import _KzooLoss
from kzoo.losses.base import fill_common_args
from kzoo.losses.base import reduce_loss

_LOG2 = math.log(2.0)


def _logit_pair(y_true, y_pred, dtype):
    teacher = ops.stop_gradient(ops.cast(ops.convert_to_tensor(y_true), dtype))
    student = ops.cast(ops.convert_to_tensor(y_pred), dtype)
    if len(student.shape) != 2:
        raise ValueError(
            "`y_pred` must be student logits of shape (batch_size, "
            f"num_classes). Received: y_pred.shape={tuple(student.shape)}"
        )
    if tuple(teacher.shape) != tuple(student.shape):
        raise ValueError(
            "`y_true` (teacher logits) and `y_pred` (student logits) must "
            f"have the same shape. Received: y_true.shape="
            f"{tuple(teacher.shape)}, y_pred.shape={tuple(student.shape)}"
        )
    return teacher, student


class _LogitDistillationLoss(_KzooLoss):
    def __init__(self, temperature, name, reduction, dtype):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.temperature = check_positive("temperature", temperature)

    def __call__(self, y_true, y_pred, sample_weight=None):
        teacher, student = _logit_pair(y_true, y_pred, self.dtype)
        losses = self.call(teacher, student)
        return reduce_loss(losses, sample_weight, self.reduction)

    def get_config(self):
        config = super().get_config()
        config["temperature"] = self.temperature
        return config


@kzoo_export("kzoo.losses.BinaryKLLoss")
@fill_common_args
class BinaryKLLoss(_LogitDistillationLoss):
    """Binary (per-logit sigmoid) KL divergence between teacher and student.

    Each logit is read as an independent Bernoulli through a sigmoid at
    temperature T, and the student's Bernoulli is pulled towards the
    teacher's. Unlike softmax KD this constrains every logit, not only their
    differences. This is the logit-level loss that motivates Dual-Head KD.

    Formula (teacher logits t = `y_true`, student logits s = `y_pred`, both
    `[B, K]`; per sample):

    ```
    p = σ(t/T),  q = σ(s/T)
    ℓ = T² Σ_k [ p_k log(p_k/q_k) + (1 − p_k) log((1 − p_k)/(1 − q_k)) ]
    ```

    The default `"sum_over_batch_size"` reduction gives `(T²/N) Σ_{n,k}`,
    the official `BinaryKL` module. kzoo computes the logs with
    `log_sigmoid` instead of clamping probabilities to [1e-8, 1 − 1e-8]; the
    values agree unless a logit exceeds about ±18·T.

    Args:
        temperature: T > 0. Defaults to `2.0` (the official `--BinaryKL_T`).
        {{common_args}}

    Example:

    ```python
    loss = kzoo.losses.BinaryKLLoss(temperature=2.0)
    value = loss(teacher_logits, student_logits)
    ```

    References:
        - [Yang et al., 2024](https://arxiv.org/abs/2411.08937), Dual-Head
          Knowledge Distillation: Enhancing Logits Utilization with an
          Auxiliary Head, KDD 2025.
    """

    def __init__(
        self,
        temperature=2.0,
        name="binary_kl_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(temperature, name, reduction, dtype)

    def call(self, teacher, student):
        a = teacher / self.temperature
        b = student / self.temperature
        p = ops.sigmoid(a)
        log_p, log_1mp = ops.log_sigmoid(a), ops.log_sigmoid(-a)
        log_q, log_1mq = ops.log_sigmoid(b), ops.log_sigmoid(-b)
        kl = p * (log_p - log_q) + (1.0 - p) * (log_1mp - log_1mq)
        return self.temperature**2 * ops.sum(kl, axis=-1)


@kzoo_export("kzoo.losses.BinaryKLNormLoss")
@fill_common_args
class BinaryKLNormLoss(_LogitDistillationLoss):
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
        {{common_args}}

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

    def __init__(
        self,
        temperature=2.0,
        name="binary_kl_norm_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(temperature, name, reduction, dtype)

    def call(self, teacher, student):
        d = (student - teacher) / self.temperature
        per = 0.5 * (ops.softplus(d) + ops.softplus(-d)) - _LOG2
        return self.temperature**2 * ops.sum(per, axis=-1)


@kzoo_export("kzoo.losses.binary_kl")
def binary_kl(y_true, y_pred, temperature=2.0):
    """Per-sample binary KL; the functional form of `kzoo.losses.BinaryKLLoss`
    (see it for the formula and arguments).

    Returns:
        Tensor `[B]`.
    """
    return BinaryKLLoss(temperature, reduction="none")(y_true, y_pred)


@kzoo_export("kzoo.losses.binary_kl_norm")
def binary_kl_norm(y_true, y_pred, temperature=2.0):
    """Per-sample normalized binary KL; the functional form of
    `kzoo.losses.BinaryKLNormLoss` (see it for the formula and arguments).

    Returns:
        Tensor `[B]`.
    """
    return BinaryKLNormLoss(temperature, reduction="none")(y_true, y_pred)

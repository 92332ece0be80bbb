"""Binary KL loss of Dual-Head Knowledge Distillation (Yang et al., 2024)."""

from keras import ops

from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.losses.inputs import TargetsAndPredictions
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin

# Teacher logits in `y_true`, student logits in `y_pred`, both `[B, K]`.
TEACHER_AND_STUDENT_LOGITS = TargetsAndPredictions(
    rank=2,
    what="student logits of shape (batch_size, num_classes)",
    target_what="teacher logits",
)


@kzoo_export("kzoo.losses.BinaryKLLoss")
class BinaryKLLoss(Loss):
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
        {{loss_args}}

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

    input_kind = TEACHER_AND_STUDENT_LOGITS

    def __init__(
        self,
        temperature=2.0,
        name="binary_kl_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.temperature = check_positive("temperature", temperature)

    def call(self, teacher, student):
        teacher = ops.stop_gradient(teacher)
        a = teacher / self.temperature
        b = student / self.temperature
        p = ops.sigmoid(a)
        log_p, log_1mp = ops.log_sigmoid(a), ops.log_sigmoid(-a)
        log_q, log_1mq = ops.log_sigmoid(b), ops.log_sigmoid(-b)
        kl = p * (log_p - log_q) + (1.0 - p) * (log_1mp - log_1mq)
        return self.temperature**2 * ops.sum(kl, axis=-1)


binary_kl = kzoo_export("kzoo.losses.binary_kl")(
    functional_twin(BinaryKLLoss, "binary_kl")
)

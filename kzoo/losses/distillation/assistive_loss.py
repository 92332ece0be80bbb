"""Assistive loss for landmark regression (Fard & Mahoor, 2022)."""

from keras import ops

from kzoo._validation import check_number
from kzoo.api_export import kzoo_export
from kzoo.losses.distillation.landmark_kd_math import COORDINATES
from kzoo.losses.distillation.landmark_kd_math import assistive_term
from kzoo.losses.distillation.landmark_kd_math import check_coordinates
from kzoo.losses.inputs import StackedTargets
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin


@kzoo_export("kzoo.losses.AssistiveLoss")
class AssistiveLoss(Loss):
    """Assistive loss (ALoss) of one teacher for landmark regression.

    A teacher's prediction, reflected onto the student's side of the ground
    truth, acts as a soft target: a student farther than the teacher is
    pulled towards it with weight α, a student between the teacher and the
    ground truth (beyond the band b_T) is pushed outwards with the negative
    weight α⁻, which makes the teacher an attractor-repulsor rather than a
    fixed target. The weights carry no gradient (they are masks).

    Formula (per coordinate j, then averaged over coordinates per sample):

    ```
    x̃_T = x_gt + sign(x_pr − x_gt)·|x_T − x_gt|   (reflected)
    b_T = x_gt + 0.15·sign(x_pr − x_gt)·|x_T − x_gt|
    w_T = α_T    if (x_pr − x̃_T)(x̃_T − x_gt) > 0    (beyond the teacher)
        + α⁻_T   if (x̃_T − x_pr)(x_pr − b_T) ≥ 0    (between b_T and it)
    ALoss_T = mean_j  w_T,j · |x̃_T,j − x_pr,j|
    ```

    Tie-case (as in the official code): where x_pr = x_gt the sign is 0 and
    x̃_T collapses onto x_gt.

    `y_true` stacks ground truth and teacher predictions as
    `[B, 2, D]` (`[:, 0]` ground truth, `[:, 1]` teacher); `y_pred` is the
    student `[B, D]` (flattened normalized coordinates).

    Args:
        alpha: α_T, the pulling weight. Defaults to `1.9` (official tough
            teacher).
        alpha_neg: α⁻_T, the (negative) weight between b_T and the teacher.
            Defaults to `-0.45` (official tough teacher).
        {{loss_args}}

    Example:

    ```python
    y_true = np.stack([landmarks, teacher_predictions], axis=1)
    loss = kzoo.losses.AssistiveLoss(alpha=1.8, alpha_neg=-0.4)
    ```

    References:
        - [Fard & Mahoor, 2022](https://arxiv.org/abs/2111.07047), Facial
          Landmark Points Detection Using Knowledge Distillation-Based
          Neural Networks, CVIU 2022.
    """

    input_kind = StackedTargets(2, what=COORDINATES)

    def __init__(
        self,
        alpha=1.9,
        alpha_neg=-0.45,
        name="assistive_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.alpha = check_number("alpha", alpha)
        self.alpha_neg = check_number("alpha_neg", alpha_neg)

    def standardize_inputs(self, y_true, y_pred):
        check_coordinates(y_pred, self.dtype)
        return super().standardize_inputs(y_true, y_pred)

    def call(self, targets, pred):
        gt, teacher = targets
        per = assistive_term(pred, gt, teacher, self.alpha, self.alpha_neg)
        return ops.mean(per, axis=-1)


assistive = kzoo_export("kzoo.losses.assistive")(
    functional_twin(AssistiveLoss, "assistive")
)

"""KD-Loss and Assistive loss for landmark regression (Fard & Mahoor, 2022)."""

from keras import ops

from kzoo._validation import check_non_negative
from kzoo._validation import check_number
from kzoo.api_export import kzoo_export
from kzoo.losses.base import _KzooLoss
from kzoo.losses.base import fill_common_args
from kzoo.losses.base import reduce_loss

# Fraction of the reflected teacher distance where the negative-weight zone
# of the assistive loss starts (hard-coded 0.15 in the official code).
_BAND = 0.15


def _stacked_targets(y_true, y_pred, num_targets, dtype):
    y_true = ops.cast(ops.convert_to_tensor(y_true), dtype)
    y_pred = ops.cast(ops.convert_to_tensor(y_pred), dtype)
    if len(y_pred.shape) != 2:
        raise ValueError(
            "`y_pred` must be predicted coordinates of shape (batch_size, "
            f"num_coordinates). Received: y_pred.shape={tuple(y_pred.shape)}"
        )
    expected = (y_pred.shape[0], num_targets, y_pred.shape[1])
    if len(y_true.shape) != 3 or tuple(y_true.shape)[1:] != expected[1:]:
        raise ValueError(
            f"`y_true` must stack {num_targets} coordinate sets as "
            f"(batch_size, {num_targets}, num_coordinates) = {expected}. "
            f"Received: y_true.shape={tuple(y_true.shape)}"
        )
    return [ops.stop_gradient(y_true[:, i]) for i in range(num_targets)], (
        y_pred
    )


def _assistive(pred, gt, teacher, alpha, alpha_neg):
    """Per-coordinate w_T·|x̃_T − x_pr| (official `kd_loss` maps)."""
    side = ops.sign(pred - gt)
    dist = ops.abs(teacher - gt)
    reflected = gt + side * dist
    band = gt + side * dist * _BAND
    pos = ops.where(
        ops.sign(pred - reflected) * ops.sign(reflected - gt) > 0, alpha, 0.0
    )
    neg = ops.where(
        ops.sign(reflected - pred) * ops.sign(pred - band) >= 0,
        alpha_neg,
        0.0,
    )
    weight = ops.stop_gradient(pos + neg)
    return weight * ops.abs(reflected - pred)


def _main_term(pred, gt, tol):
    err = ops.abs(gt - pred)
    tol_err = ops.abs(gt - tol)
    return ops.where(
        err <= tol_err,
        3.0 * err,
        ops.square(gt - pred) + 3.0 * tol_err - ops.square(tol_err),
    )


_ASSIST_FORMULA = """x̃_T = x_gt + sign(x_pr − x_gt)·|x_T − x_gt|   (reflected)
    b_T = x_gt + 0.15·sign(x_pr − x_gt)·|x_T − x_gt|
    w_T = α_T    if (x_pr − x̃_T)(x̃_T − x_gt) > 0    (beyond the teacher)
        + α⁻_T   if (x̃_T − x_pr)(x_pr − b_T) ≥ 0    (between b_T and it)
    ALoss_T = mean_j  w_T,j · |x̃_T,j − x_pr,j|"""


@kzoo_export("kzoo.losses.AssistiveLoss")
@fill_common_args
class AssistiveLoss(_KzooLoss):
    """Assistive loss (ALoss) of one teacher for landmark regression.

    A teacher's prediction, reflected onto the student's side of the ground
    truth, acts as a soft target: a student farther than the teacher is
    pulled towards it with weight α, a student between the teacher and the
    ground truth (beyond the band b_T) is pushed outwards with the negative
    weight α⁻, which makes the teacher an attractor-repulsor rather than a
    fixed target. The weights carry no gradient (they are masks).

    Formula (per coordinate j, then averaged over coordinates per sample):

    ```
    {{assist}}
    ```

    Tie-case (as in the official code): where x_pr = x_gt the sign is 0 and
    x̃_T collapses onto x_gt.

    Args:
        alpha: α_T, the pulling weight. Defaults to `1.9` (official tough
            teacher).
        alpha_neg: α⁻_T, the (negative) weight between b_T and the teacher.
            Defaults to `-0.45` (official tough teacher).
        {{common_args}}

    `y_true` stacks ground truth and teacher predictions as
    `[B, 2, D]` (`[:, 0]` ground truth, `[:, 1]` teacher); `y_pred` is the
    student `[B, D]` (flattened normalized coordinates).

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

    def __call__(self, y_true, y_pred, sample_weight=None):
        (gt, teacher), pred = _stacked_targets(y_true, y_pred, 2, self.dtype)
        per = _assistive(pred, gt, teacher, self.alpha, self.alpha_neg)
        return reduce_loss(
            ops.mean(per, axis=-1), sample_weight, self.reduction
        )

    def get_config(self):
        config = super().get_config()
        config.update(alpha=self.alpha, alpha_neg=self.alpha_neg)
        return config


AssistiveLoss.__doc__ = AssistiveLoss.__doc__.replace(
    "{{assist}}", _ASSIST_FORMULA
)


@kzoo_export("kzoo.losses.KDLandmarkLoss")
@fill_common_args
class KDLandmarkLoss(_KzooLoss):
    """KD-Loss for landmark regression with a tough and a tolerant teacher.

    The student is trained on the ground truth with a loss that is linear
    (3·|e|) while its error is within the tolerant teacher's error and
    quadratic beyond (continuous at the switch), plus one assistive loss per
    teacher (`kzoo.losses.AssistiveLoss`). The **tough** teacher was trained
    on the ground-truth ("hard") landmarks, the **tolerant** teacher on soft
    landmarks (the ground truth projected onto a PCA/ASM shape model).
    Teacher predictions are extra targets: precompute them with frozen
    teachers (as in the paper) and stack them into `y_true`.

    Formula (per coordinate, averaged over coordinates per sample):

    ```
    e = |x_gt − x_pr|,   e_tol = |x_gt − x_tol|
    main = 3·e                          if e ≤ e_tol
         = e² + 3·e_tol − e_tol²        otherwise
    L = w_main·mean(main) + w_tough·ALoss_tough + w_tol·ALoss_tol
    ```

    with `ALoss_T` of `AssistiveLoss` (α_tough, α⁻_tough) and (α_tol,
    α⁻_tol). This is the official `Custom_losses.kd_loss` (whose default
    reduction, a mean over batch and coordinates, is kzoo's
    `"sum_over_batch_size"`).

    Args:
        alpha_tough: α of the tough teacher. Defaults to `1.9`.
        alpha_neg_tough: α⁻ of the tough teacher. Defaults to `-0.45`.
        alpha_tol: α of the tolerant teacher. Defaults to `1.8`.
        alpha_neg_tol: α⁻ of the tolerant teacher. Defaults to `-0.4`.
        main_weight: w_main. Defaults to `2.0` (official README).
        tough_weight: w_tough. Defaults to `1.0`.
        tol_weight: w_tol. Defaults to `1.0`.
        {{common_args}}

    `y_true` is `[B, 3, D]`: `[:, 0]` ground truth, `[:, 1]` tough teacher,
    `[:, 2]` tolerant teacher; `y_pred` is the student `[B, D]`.

    Example:

    ```python
    y_true = np.stack([gt, tough_pred, tolerant_pred], axis=1)
    student.compile(optimizer="adam", loss=kzoo.losses.KDLandmarkLoss())
    student.fit(images, y_true)
    ```

    References:
        - [Fard & Mahoor, 2022](https://arxiv.org/abs/2111.07047), Facial
          Landmark Points Detection Using Knowledge Distillation-Based
          Neural Networks, CVIU 2022.
    """

    def __init__(
        self,
        alpha_tough=1.9,
        alpha_neg_tough=-0.45,
        alpha_tol=1.8,
        alpha_neg_tol=-0.4,
        main_weight=2.0,
        tough_weight=1.0,
        tol_weight=1.0,
        name="kd_landmark_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.alpha_tough = check_number("alpha_tough", alpha_tough)
        self.alpha_neg_tough = check_number("alpha_neg_tough", alpha_neg_tough)
        self.alpha_tol = check_number("alpha_tol", alpha_tol)
        self.alpha_neg_tol = check_number("alpha_neg_tol", alpha_neg_tol)
        self.main_weight = check_non_negative("main_weight", main_weight)
        self.tough_weight = check_non_negative("tough_weight", tough_weight)
        self.tol_weight = check_non_negative("tol_weight", tol_weight)

    def __call__(self, y_true, y_pred, sample_weight=None):
        (gt, tough, tol), pred = _stacked_targets(y_true, y_pred, 3, self.dtype)
        per = (
            self.main_weight * _main_term(pred, gt, tol)
            + self.tough_weight
            * _assistive(
                pred, gt, tough, self.alpha_tough, self.alpha_neg_tough
            )
            + self.tol_weight
            * _assistive(pred, gt, tol, self.alpha_tol, self.alpha_neg_tol)
        )
        return reduce_loss(
            ops.mean(per, axis=-1), sample_weight, self.reduction
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            alpha_tough=self.alpha_tough,
            alpha_neg_tough=self.alpha_neg_tough,
            alpha_tol=self.alpha_tol,
            alpha_neg_tol=self.alpha_neg_tol,
            main_weight=self.main_weight,
            tough_weight=self.tough_weight,
            tol_weight=self.tol_weight,
        )
        return config

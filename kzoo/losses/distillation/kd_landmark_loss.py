"""KD-Loss for landmark regression (Fard & Mahoor, 2022)."""

from keras import ops

from kzoo._validation import check_non_negative
from kzoo._validation import check_number
from kzoo.api_export import kzoo_export
from kzoo.losses.distillation.landmark_kd_math import COORDINATES
from kzoo.losses.distillation.landmark_kd_math import assistive_term
from kzoo.losses.distillation.landmark_kd_math import check_coordinates
from kzoo.losses.distillation.landmark_kd_math import main_term
from kzoo.losses.inputs import StackedTargets
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin


@kzoo_export("kzoo.losses.KDLandmarkLoss")
class KDLandmarkLoss(Loss):
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

    `y_true` is `[B, 3, D]`: `[:, 0]` ground truth, `[:, 1]` tough teacher,
    `[:, 2]` tolerant teacher; `y_pred` is the student `[B, D]`.

    Args:
        alpha_tough: α of the tough teacher. Defaults to `1.9`.
        alpha_neg_tough: α⁻ of the tough teacher. Defaults to `-0.45`.
        alpha_tol: α of the tolerant teacher. Defaults to `1.8`.
        alpha_neg_tol: α⁻ of the tolerant teacher. Defaults to `-0.4`.
        main_weight: w_main. Defaults to `2.0` (official README).
        tough_weight: w_tough. Defaults to `1.0`.
        tol_weight: w_tol. Defaults to `1.0`.
        {{loss_args}}

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

    input_kind = StackedTargets(3, what=COORDINATES)

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

    def standardize_inputs(self, y_true, y_pred):
        check_coordinates(y_pred, self.dtype)
        return super().standardize_inputs(y_true, y_pred)

    def call(self, targets, pred):
        gt, tough, tol = targets
        per = (
            self.main_weight * main_term(pred, gt, tol)
            + self.tough_weight
            * assistive_term(
                pred, gt, tough, self.alpha_tough, self.alpha_neg_tough
            )
            + self.tol_weight
            * assistive_term(pred, gt, tol, self.alpha_tol, self.alpha_neg_tol)
        )
        return ops.mean(per, axis=-1)


kd_landmark = kzoo_export("kzoo.losses.kd_landmark")(
    functional_twin(KDLandmarkLoss, "kd_landmark")
)

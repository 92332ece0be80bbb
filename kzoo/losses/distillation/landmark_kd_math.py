"""The landmark knowledge-distillation terms shared by `KDLandmarkLoss` and
`AssistiveLoss` (Fard & Mahoor, 2022)."""

from keras import ops

from kzoo._validation import predictions

# Fraction of the reflected teacher distance where the negative-weight zone
# of the assistive loss starts (hard-coded 0.15 in the official code).
BAND = 0.15

COORDINATES = "predicted coordinates of shape (batch_size, num_coordinates)"


def check_coordinates(y_pred, dtype):
    """Raise unless `y_pred` is `[B, num_coordinates]` (rank 2 exactly)."""
    return predictions(y_pred, dtype, rank=2, what=COORDINATES)


def assistive_term(pred, gt, teacher, alpha, alpha_neg):
    """Per-coordinate w_T·|x̃_T − x_pr| (official `kd_loss` maps)."""
    side = ops.sign(pred - gt)
    dist = ops.abs(teacher - gt)
    reflected = gt + side * dist
    band = gt + side * dist * BAND
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


def main_term(pred, gt, tol):
    """Per-coordinate main term: 3·e within the tolerant teacher's error,
    e² + 3·e_tol − e_tol² beyond."""
    err = ops.abs(gt - pred)
    tol_err = ops.abs(gt - tol)
    return ops.where(
        err <= tol_err,
        3.0 * err,
        ops.square(gt - pred) + 3.0 * tol_err - ops.square(tol_err),
    )

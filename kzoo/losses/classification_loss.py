"""`kzoo.losses.ClassificationLoss`: losses on class scores."""

from kzoo.api_export import kzoo_export
from kzoo.losses.inputs import TargetsAndLogits
from kzoo.losses.loss import Loss


@kzoo_export("kzoo.losses.ClassificationLoss")
class ClassificationLoss(Loss):
    """Base class for losses on class scores (logits).

    Called as `loss(y_true, logits)` with `logits` `[B, K]` and `y_true`
    either integer class ids `[B]` / `[B, 1]` (kept integer, never cast to a
    float dtype) or one-hot / probability rows `[B, K]`. Subclasses implement
    `call(targets, logits) -> [B]` where `targets` is always a float
    `[B, K]` matrix (one-hot for integer ids; an id outside `[0, K)` gives an
    all-zero row).

    Args:
        {{loss_args}}
    """

    input_kind = TargetsAndLogits()

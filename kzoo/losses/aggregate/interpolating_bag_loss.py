"""Interpolation between the bag- and the instance-level loss for learning
from aggregate responses (Javanmard et al., ICLR 2024)."""

from kzoo._validation import check_non_negative
from kzoo.api_export import kzoo_export
from kzoo.losses.aggregate.bag_math import bag_level_loss
from kzoo.losses.aggregate.bag_math import bag_statistics
from kzoo.losses.aggregate.bag_math import check_element_loss
from kzoo.losses.aggregate.bag_math import instance_level_loss
from kzoo.losses.aggregate.bag_math import standardize_bag_inputs
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin


@kzoo_export("kzoo.losses.InterpolatingBagLoss")
class InterpolatingBagLoss(Loss):
    """Interpolation between the bag-level and the instance-level loss.

    Formula:

    ```
    L_ρ = (1 − ρ)·L_bag + ρ·L_inst
        = L_bag + ρ·R        (squared error, bags of equal size)
    ```

    with `R` the within-bag prediction variance (see `InstanceLoss`).
    ρ = 0 is the (unbiased) bag-level loss, ρ = 1 the instance-level loss;
    intermediate ρ trade bias against variance (the paper's interpolating
    estimator θ̂_ρ = argmin L_bag + ρ·R). The paper states the estimator for
    the squared loss; the convex combination is the same objective there and
    extends it to binary cross-entropy.

    {{bag_args}}

    Args:
        rho: interpolation weight ρ ≥ 0 (ρ ≤ 1 interpolates, ρ > 1
            over-regularizes). Defaults to `0.5`.
        loss: the element loss ℓ, `"squared_error"` or
            `"binary_crossentropy"`. Defaults to `"squared_error"`.
        {{loss_args}}

    Example:

    ```python
    loss = kzoo.losses.InterpolatingBagLoss(rho=0.3)
    model.compile(optimizer="adam", loss=loss)
    ```

    References:
        - [Javanmard et al., 2024](https://arxiv.org/abs/2401.11081),
          Learning from Aggregate Responses: Instance Level versus Bag Level
          Loss Functions, ICLR 2024.
    """

    batch_level = True

    def __init__(
        self,
        rho=0.5,
        loss="squared_error",
        name="interpolating_bag_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.rho = check_non_negative("rho", rho)
        self.loss = check_element_loss(loss)

    def standardize_inputs(self, y_true, y_pred):
        # `(response, bag_id)` rows and one prediction per instance: no
        # `kzoo.losses.inputs` kind has this pair (see `bag_math`).
        return standardize_bag_inputs(y_true, y_pred, self.dtype)

    def call(self, y_true, y_pred):
        valid, size, mean_response, mean_pred = bag_statistics(y_true, y_pred)
        bag = bag_level_loss(self.loss, valid, size, mean_response, mean_pred)
        inst = instance_level_loss(self.loss, valid, mean_response, y_pred)
        return (1.0 - self.rho) * bag + self.rho * inst


interpolating_bag = kzoo_export("kzoo.losses.interpolating_bag")(
    functional_twin(InterpolatingBagLoss, "interpolating_bag")
)

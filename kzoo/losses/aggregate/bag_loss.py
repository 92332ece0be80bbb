"""Bag-level loss for learning from aggregate responses (Javanmard et al.,
ICLR 2024)."""

from kzoo.api_export import kzoo_export
from kzoo.losses.aggregate.bag_math import bag_level_loss
from kzoo.losses.aggregate.bag_math import bag_statistics
from kzoo.losses.aggregate.bag_math import check_element_loss
from kzoo.losses.aggregate.bag_math import standardize_bag_inputs
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin


@kzoo_export("kzoo.losses.BagLoss")
class BagLoss(Loss):
    """Bag-level loss for learning from aggregate responses.

    Only the mean response ȳ_a of each bag B_a is observed. The bag-level
    loss compares it with the mean prediction of the bag.

    Formula (m bags in the batch, k_a instances in bag a):

    ```
    f̄_a = (1/k_a) Σ_{i∈B_a} f(x_i)
    L_bag = (1/m) Σ_a ℓ(ȳ_a, f̄_a)
    ```

    with ℓ the squared error (default) or binary cross-entropy on
    probabilities. Bag-level training is unbiased but has higher variance
    than instance-level training (`InstanceLoss`);
    `InterpolatingBagLoss(rho)` trades the two.

    {{bag_args}}

    Args:
        loss: the element loss ℓ, `"squared_error"` or
            `"binary_crossentropy"`. Defaults to `"squared_error"`.
        {{loss_args}}

    Example:

    ```python
    y_true = np.stack([bag_mean_responses, bag_ids], axis=1)
    model.compile(optimizer="adam", loss=kzoo.losses.BagLoss())
    model.fit(x, y_true, batch_size=8 * bag_size, shuffle=False)
    ```

    References:
        - [Javanmard et al., 2024](https://arxiv.org/abs/2401.11081),
          Learning from Aggregate Responses: Instance Level versus Bag Level
          Loss Functions, ICLR 2024.
    """

    batch_level = True

    def __init__(
        self,
        loss="squared_error",
        name="bag_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.loss = check_element_loss(loss)

    def standardize_inputs(self, y_true, y_pred):
        # `(response, bag_id)` rows and one prediction per instance: no
        # `kzoo.losses.inputs` kind has this pair (see `bag_math`).
        return standardize_bag_inputs(y_true, y_pred, self.dtype)

    def call(self, y_true, y_pred):
        stats = bag_statistics(y_true, y_pred)
        return bag_level_loss(self.loss, *stats)


bag = kzoo_export("kzoo.losses.bag")(functional_twin(BagLoss, "bag"))

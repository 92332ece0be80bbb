"""Instance-level loss for learning from aggregate responses (Javanmard et
al., ICLR 2024)."""

from kzoo.api_export import kzoo_export
from kzoo.losses.aggregate.bag_math import bag_statistics
from kzoo.losses.aggregate.bag_math import check_element_loss
from kzoo.losses.aggregate.bag_math import instance_level_loss
from kzoo.losses.aggregate.bag_math import standardize_bag_inputs
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin


@kzoo_export("kzoo.losses.InstanceLoss")
class InstanceLoss(Loss):
    """Instance-level loss for learning from aggregate responses.

    Every instance of a bag is regressed onto the bag's aggregate response.

    Formula (n instances in the batch):

    ```
    L_inst = (1/n) Σ_a Σ_{i∈B_a} ℓ(ȳ_a, f(x_i))
    ```

    For the squared error and bags of equal size this is the bag-level loss
    plus the within-bag variance of the predictions (Javanmard et al.,
    2024):

    ```
    L_inst = L_bag + R,   R = (1/n) Σ_a Σ_{i∈B_a} (f(x_i) − f̄_a)²
    ```

    so instance-level training is a regularized (biased, lower-variance)
    version of bag-level training.

    {{bag_args}}

    Args:
        loss: the element loss ℓ, `"squared_error"` or
            `"binary_crossentropy"`. Defaults to `"squared_error"`.
        {{loss_args}}

    Example:

    ```python
    model.compile(optimizer="adam", loss=kzoo.losses.InstanceLoss())
    model.fit(x, np.stack([bag_means, bag_ids], 1), shuffle=False)
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
        name="instance_loss",
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
        valid, _, mean_response, _ = bag_statistics(y_true, y_pred)
        return instance_level_loss(self.loss, valid, mean_response, y_pred)


instance = kzoo_export("kzoo.losses.instance")(
    functional_twin(InstanceLoss, "instance")
)

"""Learning from aggregate responses: bag-, instance-level and interpolating
losses (Javanmard et al., ICLR 2024)."""

from keras import ops

from kzoo._validation import check_non_negative
from kzoo.api_export import kzoo_export
from kzoo.losses.base import _KzooLoss

_ELEMENT_LOSSES = ("squared_error", "binary_crossentropy")

_BAG_ARGS = """y_true layout: `[B, 2]` rows `(response, bag_id)`. `response`
    is the bag's aggregate response, repeated on every instance of the bag
    (instance responses may also be given: the loss averages them per bag, so
    only their mean matters). `bag_id` is an integer-valued id; rows with a
    negative id are padding and ignored. A batch must hold whole bags (batch
    by bag, e.g. sort by bag id and use a batch size that is a multiple of the
    bag size). Bags are matched with a dense `[B, B]` mask, so shapes stay
    static and jit-safe; ids are compared after the float32 cast Keras
    applies to `y_true`, exact for ids below 2**24. `y_pred` is `[B]` or
    `[B, 1]`: one prediction per instance (a probability for
    `"binary_crossentropy"`).

    This is a batch-level loss: `call` returns a scalar, so `sample_weight`
    and `reduction` do not apply (a scalar weight only scales it)."""


def _fill(cls):
    cls.__doc__ = cls.__doc__.replace("{{bag_args}}", _BAG_ARGS)
    return cls


def _element_loss(kind, target, pred):
    if kind == "squared_error":
        return ops.square(target - pred)
    eps = 1e-7
    pred = ops.clip(pred, eps, 1.0 - eps)
    return -(target * ops.log(pred) + (1.0 - target) * ops.log(1.0 - pred))


def _standardize(y_true, y_pred, dtype):
    y_true = ops.cast(ops.convert_to_tensor(y_true), dtype)
    y_pred = ops.cast(ops.convert_to_tensor(y_pred), dtype)
    if len(y_pred.shape) == 2 and y_pred.shape[-1] == 1:
        y_pred = ops.reshape(y_pred, (-1,))
    if len(y_pred.shape) != 1:
        raise ValueError(
            "`y_pred` must hold one prediction per instance, of shape "
            f"(batch_size,) or (batch_size, 1). Received: "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )
    if len(y_true.shape) != 2 or y_true.shape[-1] != 2:
        raise ValueError(
            "`y_true` must be (response, bag_id) rows of shape "
            f"(batch_size, 2). Received: y_true.shape={tuple(y_true.shape)}"
        )
    return y_true[:, 0], y_true[:, 1], y_pred


def bag_statistics(y_true, y_pred, dtype="float32"):
    """Per-instance bag statistics from `(response, bag_id)` rows.

    Returns `(valid, bag_size, mean_response, mean_prediction, y_pred)`, each
    `[B]`: for instance i of bag a, `bag_size = k_a`, `mean_response = ȳ_a`
    and `mean_prediction = f̄_a`; `valid` is 0 for padding rows.
    """
    response, bag_id, pred = _standardize(y_true, y_pred, dtype)
    valid = ops.cast(ops.greater_equal(bag_id, 0.0), dtype)
    same = ops.cast(ops.equal(bag_id[:, None], bag_id[None, :]), dtype) * (
        valid[:, None] * valid[None, :]
    )
    size = ops.sum(same, axis=1)
    safe = ops.maximum(size, 1.0)
    mean_response = ops.matmul(same, response[:, None])[:, 0] / safe
    mean_pred = ops.matmul(same, pred[:, None])[:, 0] / safe
    return valid, size, mean_response, mean_pred, pred


def _bag_level(kind, valid, size, mean_response, mean_pred):
    # (1/m) Σ_a ℓ(ȳ_a, f̄_a) with m = Σ_i 1/k_{a(i)} bags.
    w = valid / ops.maximum(size, 1.0)
    return ops.divide_no_nan(
        ops.sum(w * _element_loss(kind, mean_response, mean_pred)),
        ops.sum(w),
    )


def _instance_level(kind, valid, mean_response, pred):
    # (1/n) Σ_i ℓ(ȳ_{a(i)}, f(x_i)).
    return ops.divide_no_nan(
        ops.sum(valid * _element_loss(kind, mean_response, pred)),
        ops.sum(valid),
    )


class _BagLossBase(_KzooLoss):
    def __init__(self, loss="squared_error", name=None, dtype=None):
        super().__init__(
            name=name, reduction="sum_over_batch_size", dtype=dtype
        )
        if loss not in _ELEMENT_LOSSES:
            raise ValueError(
                f"`loss` must be one of {_ELEMENT_LOSSES}. Received: "
                f"loss={loss!r}"
            )
        self.loss = loss

    def call(self, y_true, y_pred):
        stats = bag_statistics(y_true, y_pred, self.dtype)
        return self.bag_loss(*stats)

    def __call__(self, y_true, y_pred, sample_weight=None):
        value = self.call(y_true, y_pred)
        if sample_weight is not None:
            value = value * ops.cast(
                ops.mean(ops.convert_to_tensor(sample_weight)), value.dtype
            )
        return value

    def get_config(self):
        config = super().get_config()
        config.pop("reduction", None)
        config["loss"] = self.loss
        return config


@kzoo_export("kzoo.losses.BagLoss")
@_fill
class BagLoss(_BagLossBase):
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
        name: the loss name. Defaults to `"bag_loss"`.
        dtype: computation dtype. Defaults to `None` (float32).

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

    def __init__(self, loss="squared_error", name="bag_loss", dtype=None):
        super().__init__(loss=loss, name=name, dtype=dtype)

    def bag_loss(self, valid, size, mean_response, mean_pred, pred):
        return _bag_level(self.loss, valid, size, mean_response, mean_pred)


@kzoo_export("kzoo.losses.InstanceLoss")
@_fill
class InstanceLoss(_BagLossBase):
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
        name: the loss name. Defaults to `"instance_loss"`.
        dtype: computation dtype. Defaults to `None` (float32).

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

    def __init__(self, loss="squared_error", name="instance_loss", dtype=None):
        super().__init__(loss=loss, name=name, dtype=dtype)

    def bag_loss(self, valid, size, mean_response, mean_pred, pred):
        return _instance_level(self.loss, valid, mean_response, pred)


@kzoo_export("kzoo.losses.InterpolatingBagLoss")
@_fill
class InterpolatingBagLoss(_BagLossBase):
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
        name: the loss name. Defaults to `"interpolating_bag_loss"`.
        dtype: computation dtype. Defaults to `None` (float32).

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

    def __init__(
        self,
        rho=0.5,
        loss="squared_error",
        name="interpolating_bag_loss",
        dtype=None,
    ):
        super().__init__(loss=loss, name=name, dtype=dtype)
        self.rho = check_non_negative("rho", rho)

    def bag_loss(self, valid, size, mean_response, mean_pred, pred):
        bag = _bag_level(self.loss, valid, size, mean_response, mean_pred)
        inst = _instance_level(self.loss, valid, mean_response, pred)
        return (1.0 - self.rho) * bag + self.rho * inst

    def get_config(self):
        config = super().get_config()
        config["rho"] = self.rho
        return config

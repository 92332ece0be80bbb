"""Output-order search loss (Vinyals, Bengio & Kudlur, 2016)."""

import itertools
import math

import numpy as np
from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import check_integer
from kzoo._validation import shape_of
from kzoo.api_export import kzoo_export
from kzoo.backend import eager_on_torch
from kzoo.losses.inputs import IdsAndPredictions
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin


def candidate_orders(length, max_exact_length, num_sampled_orders, seed):
    """The orders searched: all `length!` of them, or a fixed random sample.

    Returns an int32 array `[K, length]`; a sample always contains the
    identity order first and has no repeated order.
    """
    if length <= max_exact_length:
        return np.asarray(
            list(itertools.permutations(range(length))), np.int32
        ).reshape(-1, length)
    rng = np.random.default_rng(seed)
    k = min(num_sampled_orders, math.factorial(min(length, 20)))
    orders = [tuple(range(length))]
    seen = set(orders)
    while len(orders) < k:
        order = tuple(rng.permutation(length).tolist())
        if order not in seen:
            seen.add(order)
            orders.append(order)
    return np.asarray(orders, np.int32)


# Host-side constant: kept out of torch.compile graphs, whose numpy tracing
# would turn it into traced ops.
_constant_orders = eager_on_torch(candidate_orders)


@kzoo_export("kzoo.losses.OrderSearchLoss")
class OrderSearchLoss(Loss):
    """Cross-entropy under the most likely order of an unordered target set.

    When the target is a set, the order in which a sequence model emits it
    matters for learning. The paper trains on the order the model currently
    finds most likely: `θ* = argmax_θ Σ_X max_π log p(Y_π | X; θ)`. With
    per-step predictions that do not depend on the order fed back (a
    non-autoregressive or pointer decoder scoring every output slot), the
    log-likelihood of an order is a sum over steps, and the loss is the
    minimum over orders of the summed cross-entropy. All `T!` orders are
    searched exactly for `T ≤ max_exact_length`; beyond that a fixed sample
    of `num_sampled_orders` orders (the identity first, drawn once from
    `seed`, so shapes stay static and the loss holds no random state) is
    searched. The gradient flows through the best order only (the argmax is
    not differentiated).

    Formula (targets `y_1 … y_T`, step logits `s_t`, candidate orders Π):

    ```
    ℓ_t(j) = −log softmax(s_t)[y_j]
    L      = min_{π ∈ Π} Σ_t ℓ_t(π(t))
    ```

    For an autoregressive decoder, whose step distributions depend on the
    order fed back, score each candidate order with the model (teacher
    forcing, one pass per order; `candidate_orders` lists them) and take the
    minimum of the per-order losses: a Keras loss cannot re-run the model.
    The paper also samples orders early in training to explore before
    committing; that schedule belongs to the training loop.

    Inputs: `y_true` integer targets `[B, T]` (kept integer), `y_pred` step
    scores `[B, T, C]`.

    Args:
        max_exact_length: search all orders up to this set size (720 orders
            at 6). Defaults to `5`.
        num_sampled_orders: orders searched above it. Defaults to `64`.
        seed: seed of the sampled orders. Defaults to `0`.
        from_logits: `y_pred` holds logits (`True`) or probabilities.
            Defaults to `True`.
        {{loss_args}}

    Example:

    ```python
    # A decoder that emits T class scores per sample, target = a set.
    model.compile(optimizer="adam", loss=kzoo.losses.OrderSearchLoss())
    model.fit(x, y_sets)    # y_sets: [B, T] ints in any order
    ```

    References:
        - [Vinyals, Bengio & Kudlur, 2016](https://arxiv.org/abs/1511.06391),
          Order Matters: Sequence to sequence for sets (ICLR 2016).
    """

    input_kind = IdsAndPredictions(
        rank=3,
        what=(
            "step scores of shape (batch_size, set_size, num_classes) with "
            "a static set size"
        ),
    )

    def __init__(
        self,
        max_exact_length=5,
        num_sampled_orders=64,
        seed=0,
        from_logits=True,
        name="order_search_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.max_exact_length = check_integer(
            "max_exact_length", max_exact_length
        )
        if not 1 <= self.max_exact_length <= 8:
            raise ValueError(
                "`max_exact_length` must be between 1 and 8 (8! = 40320 "
                f"orders). Received: max_exact_length={max_exact_length!r}"
            )
        self.num_sampled_orders = check_integer(
            "num_sampled_orders", num_sampled_orders
        )
        if self.num_sampled_orders < 1:
            raise ValueError(
                "`num_sampled_orders` must be a positive integer. "
                f"Received: num_sampled_orders={num_sampled_orders!r}"
            )
        self.seed = check_integer("seed", seed)
        self.from_logits = check_bool("from_logits", from_logits)

    def standardize_inputs(self, y_true, y_pred):
        targets, scores = super().standardize_inputs(y_true, y_pred)
        if scores.shape[1] is None:
            raise ValueError(
                f"`y_pred` must be {self.input_kind.what}. "
                f"Received: y_pred.shape={shape_of(scores)}"
            )
        if targets.shape[1] != scores.shape[1]:
            raise ValueError(
                "`y_true` must hold the target set, of shape "
                "(batch_size, set_size). Received: "
                f"y_true.shape={shape_of(targets)}, "
                f"y_pred.shape={shape_of(scores)}"
            )
        return targets, scores

    def call(self, targets, scores):
        t = scores.shape[1]
        if self.from_logits:
            logp = ops.log_softmax(scores, axis=-1)
        else:
            logp = ops.log(ops.maximum(scores, 1e-7))
        # nll[b, t, j] = −log p_t(y_j)
        idx = ops.cast(targets, "int32")[:, None, :]
        idx = ops.broadcast_to(idx, (ops.shape(targets)[0], t, t))
        nll = -ops.take_along_axis(logp, idx, axis=-1)
        orders = _constant_orders(
            t, self.max_exact_length, self.num_sampled_orders, self.seed
        )
        onehot = ops.one_hot(ops.convert_to_tensor(orders), t)  # [K, T, T]
        per_order = ops.einsum("btj,ktj->bk", nll, onehot)
        return ops.min(per_order, axis=-1)


order_search = kzoo_export("kzoo.losses.order_search")(
    functional_twin(OrderSearchLoss, "order_search")
)

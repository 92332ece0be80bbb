"""AMCL: multi-head contrastive loss with adaptive pair temperatures."""

from keras import ops

from kzoo import ops as kops
from kzoo._validation import check_non_negative
from kzoo._validation import check_positive
from kzoo._validation import labels as standardize_labels
from kzoo._validation import predictions
from kzoo._validation import shape_of
from kzoo.api_export import kzoo_export
from kzoo.losses.inputs import LabelsAndEmbeddings
from kzoo.losses.loss import Loss
from kzoo.losses.pair_weighting_loss import pair_average_per_anchor
from kzoo.losses.twins import functional_twin

_PAIRS = (
    "(similarity, temperature) pairs of shape (batch_size, num_heads, "
    "batch_size, 2)"
)


@kzoo_export("kzoo.losses.AMCLLoss")
class AMCLLoss(Loss):
    """Adaptive multi-head contrastive loss (AMCL).

    Several projection heads each give a similarity matrix, and every pair
    (positive or negative) of every head is rescaled by its own temperature
    predicted from the pair (`kzoo.layers.AdaptiveTemperatureHeads` produces
    both). The loss is the head-averaged NT-Xent on the rescaled logits, plus
    a regularizer that keeps the temperatures from degenerating (τ → 0 would
    make every logit huge, τ → ∞ would flatten them): the negative
    log-likelihood of an isotropic Gaussian of variance τ in `reg_dim`
    dimensions, which has its minimum at `τ = 2/reg_dim`.

    Formula (H heads, labels give positives P_i and negatives N_i, s^h the
    similarities and τ^h the pair temperatures, β `beta`, d `reg_dim`):

    ```
    ℓ^h_ij = s^h_ij / τ^h_ij
    c^h_ip = softplus( log Σ_{n∈N_i} exp ℓ^h_in − ℓ^h_ip )      (NT-Xent)
    r^h_i  = mean_{j≠i} [ (d/2)·log τ^h_ij + 1/τ^h_ij ]
    L = (1/H) Σ_h [ (1/|P|) Σ_{(i,p)∈P} c^h_ip + β·mean_i r^h_i ]
    ```

    With one head, a constant temperature τ and β = 0 this is exactly
    `kzoo.losses.NTXentLoss(temperature=τ)`.

    **Reconstruction.** The released code
    (`src/amcl_components/adaptive_temperature.py`) does not run (its
    parameters are wrapped in a module list), uses positives only and,
    through a broadcasting slip, the batch size where the paper's MLE
    argument puts the dimension. kzoo follows the paper's description:
    temperatures on positive *and* negative pairs, the Gaussian regularizer
    with the projection dimension `d`. Set `reg_dim` to the batch size to
    mimic the released code's scale.

    Called as `loss(labels, pairs)`: `labels` `[B]` (two views of an item
    share a label, as for `NTXentLoss`), `pairs` `[B, H, B, 2]` with
    `pairs[i, h, j] = (s^h_ij, τ^h_ij)`.

    Args:
        beta: β ≥ 0, weight of the temperature regularizer. Defaults to
            `0.1`.
        reg_dim: d > 0 of the regularizer. Defaults to `128` (the
            projection dimension of the paper's heads).
        {{loss_args}}

    Example:

    ```python
    pairs = kzoo.layers.AdaptiveTemperatureHeads(num_heads=3)(features)
    model = keras.Model(images, pairs)
    model.compile("adam", loss=kzoo.losses.AMCLLoss())
    model.fit(views, ids)   # [2N] views, image ids as labels
    ```

    References:
        - [Wang et al., 2024](https://arxiv.org/abs/2310.05615), Adaptive
          multi-head contrastive learning, ECCV 2024.
    """

    input_kind = LabelsAndEmbeddings(rank=4, what=_PAIRS)

    def __init__(
        self,
        beta=0.1,
        reg_dim=128,
        name="amcl_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.beta = check_non_negative("beta", beta)
        self.reg_dim = check_positive("reg_dim", reg_dim)

    def standardize_inputs(self, y_true, y_pred):
        # The labels-and-embeddings kind with a rank-4 `y_pred`, plus the
        # checks of its last two axes.
        pairs = predictions(y_pred, self.dtype)
        b = pairs.shape[0]
        if (
            len(pairs.shape) != 4
            or pairs.shape[-1] != 2
            or (b is not None and pairs.shape[2] not in (None, b))
        ):
            raise ValueError(
                f"`y_pred` must be {_PAIRS}. "
                f"Received: y_pred.shape={shape_of(pairs)}"
            )
        return standardize_labels(y_true, b), pairs

    def call(self, labels, pairs):
        sim = ops.transpose(pairs[..., 0], (1, 0, 2))  # [H, B, B]
        temperature = ops.transpose(pairs[..., 1], (1, 0, 2))
        pos, neg = kops.label_masks(labels)
        pos = ops.cast(pos, sim.dtype)
        neg = ops.cast(neg, sim.dtype)
        logits = sim / temperature
        neg_lse = kops.masked_logsumexp(logits, neg[None], keepdims=True)
        has_neg = ops.any(ops.greater(neg, 0), axis=1, keepdims=True)
        pair_losses = ops.where(
            has_neg[None], ops.softplus(neg_lse - logits), 0.0
        )
        heads = ops.shape(sim)[0]
        b = ops.shape(labels)[0]
        per_anchor = ops.reshape(ops.transpose(pair_losses, (1, 0, 2)), (b, -1))
        weights = ops.tile(pos, (1, heads))
        contrast = pair_average_per_anchor(per_anchor, weights)
        if not self.beta:
            return contrast
        off = 1.0 - ops.eye(b, dtype=sim.dtype)
        reg = 0.5 * self.reg_dim * ops.log(temperature) + 1.0 / temperature
        count = ops.maximum(ops.cast(b - 1, sim.dtype), 1.0)
        reg = ops.sum(reg * off[None], axis=2) / count  # [H, B]
        return contrast + self.beta * ops.mean(reg, axis=0)


amcl = kzoo_export("kzoo.losses.amcl")(functional_twin(AMCLLoss, "amcl"))

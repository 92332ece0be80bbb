"""Multi-positive InfoNCE over class-pair-conditioned logits (SimLAP)."""

from keras import ops

from kzoo.api_export import kzoo_export
from kzoo.distances import DotProductSimilarity
from kzoo.losses.base import fill_common_args
from kzoo.losses.base import reduce_loss
from kzoo.losses.contrastive.ntxent_loss import NTXentLoss

NORMALIZATIONS = ("per_anchor", "global")


def pair_masks(pairs):
    """SimLAP masks from `[B, 2]` integer label pairs `(y1, y2)`.

    Returns:
        `(pos, neg)` boolean `[B, B]`: `pos_ij = [y2_i = y1_j]`, and `neg`
        excludes same-`y1` pairs and positives.
    """
    pairs = ops.convert_to_tensor(pairs)
    y1, y2 = pairs[:, 0], pairs[:, 1]
    pos = ops.equal(y2[:, None], y1[None, :])
    excluded = ops.logical_or(ops.equal(y1[:, None], y1[None, :]), pos)
    return pos, ops.logical_not(excluded)


@kzoo_export("kzoo.losses.MultiPositiveInfoNCELoss")
@fill_common_args
class MultiPositiveInfoNCELoss(NTXentLoss):
    """InfoNCE with arbitrary positive pairs given by a class pair per anchor.

    The loss of "Rethinking Positive Pairs in Contrastive Learning" (SimLAP,
    sometimes called Hydra): anchor `i` carries a label pair `(y1_i, y2_i)`
    and every sample `j` with `y1_j = y2_i` is a positive of `i` — pairs of
    *different* classes can be positives. Negatives are the samples that are
    neither positives nor of the anchor's own class `y1_i`. Use it on the
    `[B, B]` logits of `kzoo.layers.PairGate`, which conditions the
    similarity on the class pair; `y_true` is the `[B, 2]` label pairs the
    gate returns.

    Formula (logits `ℓ`, divided by `τ`):

    ```
    pos_ij = [y2_i = y1_j],   neg_ij = ¬([y1_i = y1_j] ∨ pos_ij)
    l_ij = log( exp(ℓ_ij) + Σ_{k: neg_ik} exp(ℓ_ik) ) − ℓ_ij
    "per_anchor" (FastSSL):  L = mean_i Σ_j pos_ij l_ij / (Σ_j pos_ij + 1e-6)
    "global" (paper-era):    L = Σ_ij pos_ij l_ij / Σ_ij pos_ij
    ```

    The per-pair term and the masked log-sum-exp are `NTXentLoss`'s; only
    the masks (from label pairs) and the normalization differ. With
    `y2 = y1` and `"global"` it is `NTXentLoss` on the logits (supervised,
    PML convention). The two official variants are both offered, named by
    their normalization; anchors without positives contribute 0.

    Args:
        temperature: τ dividing the logits. Defaults to `1.0` (the gate's
            logits are usually already scaled).
        normalize: `"per_anchor"` or `"global"`. Defaults to `"per_anchor"`.
        {{common_args}}

    Example:

    ```python
    loss = kzoo.losses.MultiPositiveInfoNCELoss(temperature=0.1)
    value = loss(label_pairs, logits)   # [B, 2] ints, [B, B] floats
    ```

    References:
        - [Wu et al., 2024](https://arxiv.org/abs/2410.18200), Rethinking
          Positive Pairs in Contrastive Learning.
    """

    def __init__(
        self,
        temperature=1.0,
        normalize="per_anchor",
        name="multi_positive_info_nce_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(
            temperature=temperature,
            distance=DotProductSimilarity(),
            name=name,
            reduction=reduction,
            dtype=dtype,
        )
        if normalize not in NORMALIZATIONS:
            raise ValueError(
                "Invalid value for argument `normalize`. Expected one of "
                f"{NORMALIZATIONS}. Received: normalize={normalize!r}"
            )
        self.normalize = normalize

    def __call__(self, y_true, y_pred, sample_weight=None):
        logits = ops.cast(ops.convert_to_tensor(y_pred), self.dtype)
        pairs = ops.convert_to_tensor(y_true)
        if len(logits.shape) != 2 or (
            None not in logits.shape and logits.shape[0] != logits.shape[1]
        ):
            raise ValueError(
                "`y_pred` must be square logits of shape (batch_size, "
                f"batch_size). Received: y_pred.shape={tuple(logits.shape)}"
            )
        if len(pairs.shape) != 2 or pairs.shape[1] != 2:
            raise ValueError(
                "`y_true` must be label pairs of shape (batch_size, 2). "
                f"Received: y_true.shape={tuple(pairs.shape)}"
            )
        pos, neg = pair_masks(pairs)
        losses = self.call_on_logits(logits, pos, neg)
        return reduce_loss(losses, sample_weight, self.reduction)

    def call_on_logits(self, logits, pos, neg):
        """Per-anchor values `[B]` from logits and boolean masks."""
        pos = ops.cast(pos, logits.dtype)
        neg = ops.cast(neg, logits.dtype)
        if self.normalize == "global":
            return self.pair_loss(logits, pos, neg)
        # NTXentLoss returns B·Σ_j w_ij l_ij / Σ_ij w_ij; with per-anchor
        # weights w_ij = pos_ij / (n_i + 1e-6) a factor Σw / B undoes the
        # global normalization.
        weights = pos / (ops.sum(pos, axis=1, keepdims=True) + 1e-6)
        batch = ops.cast(ops.shape(logits)[0], logits.dtype)
        scale = ops.stop_gradient(ops.sum(weights)) / batch
        return self.pair_loss(logits, weights, neg) * scale

    def get_config(self):
        config = super().get_config()
        config.pop("distance", None)
        config.pop("miner", None)
        # Dense path only (positives come from label pairs): not constructor
        # arguments.
        config.pop("chunk_size", None)
        config.pop("gather_across_replicas", None)
        config["normalize"] = self.normalize
        return config


@kzoo_export("kzoo.losses.multi_positive_info_nce")
def multi_positive_info_nce(
    y_true, y_pred, temperature=1.0, normalize="per_anchor"
):
    """Per-anchor multi-positive InfoNCE; the functional form of
    `kzoo.losses.MultiPositiveInfoNCELoss` (see it for the formula).

    Returns:
        Tensor `[B]` whose mean is the loss.
    """
    return MultiPositiveInfoNCELoss(temperature, normalize, reduction="none")(
        y_true, y_pred
    )

"""Multi-positive InfoNCE over class-pair-conditioned logits (SimLAP)."""

from keras import ops

from kzoo._validation import check_positive
from kzoo._validation import shape_of
from kzoo.api_export import kzoo_export
from kzoo.losses.contrastive_learning.infonce_math import infonce_pair_term
from kzoo.losses.in_batch_negative_loss import in_batch_pair_sums
from kzoo.losses.in_batch_negative_loss import share_of_pair_mean
from kzoo.losses.inputs import IdsAndPredictions
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin

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
class MultiPositiveInfoNCELoss(Loss):
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

    The per-pair term and the masked log-sum-exp are `NTXentLoss`'s (the
    same functions); only the masks (from label pairs) and the
    normalization differ. With
    `y2 = y1` and `"global"` it is `NTXentLoss` on the logits (supervised,
    PML convention). The two official variants are both offered, named by
    their normalization; anchors without positives contribute 0.

    Args:
        temperature: τ dividing the logits. Defaults to `1.0` (the gate's
            logits are usually already scaled).
        normalize: `"per_anchor"` or `"global"`. Defaults to `"per_anchor"`.
        {{loss_args}}

    Example:

    ```python
    loss = kzoo.losses.MultiPositiveInfoNCELoss(temperature=0.1)
    value = loss(label_pairs, logits)   # [B, 2] ints, [B, B] floats
    ```

    References:
        - [Wu et al., 2024](https://arxiv.org/abs/2410.18200), Rethinking
          Positive Pairs in Contrastive Learning.
    """

    input_kind = IdsAndPredictions(
        columns=2,
        rank=2,
        what="square logits of shape (batch_size, batch_size)",
    )

    def __init__(
        self,
        temperature=1.0,
        normalize="per_anchor",
        name="multi_positive_info_nce_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.temperature = check_positive("temperature", temperature)
        if normalize not in NORMALIZATIONS:
            raise ValueError(
                "Invalid value for argument `normalize`. Expected one of "
                f"{NORMALIZATIONS}. Received: normalize={normalize!r}"
            )
        self.normalize = normalize

    def standardize_inputs(self, y_true, y_pred):
        pairs, logits = super().standardize_inputs(y_true, y_pred)
        if None not in logits.shape and logits.shape[0] != logits.shape[1]:
            raise ValueError(
                "`y_pred` must be square logits of shape (batch_size, "
                f"batch_size). Received: y_pred.shape={shape_of(logits)}"
            )
        return pairs, logits

    def call(self, pairs, logits):
        pos, neg = pair_masks(pairs)
        return self.call_on_logits(logits, pos, neg)

    def call_on_logits(self, logits, pos, neg):
        """Per-anchor values `[B]` from logits and boolean masks."""
        pos = ops.cast(pos, logits.dtype)
        neg = ops.cast(neg, logits.dtype)
        if self.normalize == "global":
            return self._pair_mean(logits, pos, neg)
        # The global normalization returns B·Σ_j w_ij l_ij / Σ_ij w_ij; with
        # per-anchor weights w_ij = pos_ij / (n_i + 1e-6) a factor Σw / B
        # undoes it.
        weights = pos / (ops.sum(pos, axis=1, keepdims=True) + 1e-6)
        batch = ops.cast(ops.shape(logits)[0], logits.dtype)
        scale = ops.stop_gradient(ops.sum(weights)) / batch
        return self._pair_mean(logits, weights, neg) * scale

    def _pair_mean(self, logits, pos_weight, neg_weight):
        pair_sum, pair_count = in_batch_pair_sums(
            logits / self.temperature, pos_weight, neg_weight, infonce_pair_term
        )
        return share_of_pair_mean(pair_sum, pair_count)


multi_positive_info_nce = kzoo_export("kzoo.losses.multi_positive_info_nce")(
    functional_twin(MultiPositiveInfoNCELoss, "multi_positive_info_nce")
)

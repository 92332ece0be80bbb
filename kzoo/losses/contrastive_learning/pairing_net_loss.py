"""PairingNet's fragment pair-searching loss (multi-positive InfoNCE)."""

from keras import ops

from kzoo._validation import check_non_negative
from kzoo._validation import check_positive
from kzoo._validation import views
from kzoo.api_export import kzoo_export
from kzoo.losses.contrastive_learning.infonce_math import get_distance
from kzoo.losses.contrastive_learning.infonce_math import similarity_logits
from kzoo.losses.inputs import IdsAndPredictions
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin
from kzoo.ops.infonce import multi_positive_nce


def _partner_mask(row_ids, col_ids):
    """`[i = j] ∨ ∃r: row_r = row_i ∧ col_r = col_j` as a float `[B, B]`."""
    e_row = ops.cast(ops.equal(row_ids[:, None], row_ids[None, :]), "float32")
    e_col = ops.cast(ops.equal(col_ids[:, None], col_ids[None, :]), "float32")
    linked = ops.greater(ops.matmul(e_row, e_col), 0.0)
    n = ops.shape(row_ids)[0]
    return ops.logical_or(linked, ops.eye(n, dtype="bool"))


@kzoo_export("kzoo.losses.PairingNetLoss")
class PairingNetLoss(Loss):
    """PairingNet's pair-searching loss: multi-positive InfoNCE keyed on
    fragment ids.

    Each row `r` of the batch is a ground-truth matching pair of fragments:
    a source fragment (feature `f_s,r`, id `src_r`) and a target fragment
    (`f_t,r`, `tgt_r`). A fragment can match several others, so source `i`
    has as positives every target that some row pairs with `src_i` (and its
    own target). The probabilities of all positives are summed inside the
    log. Two self terms push different fragments of the same side apart.

    Formula (S cosine similarity, τ temperature, λ `self_term_weight`):

    ```
    L(a, b; u, v)_i = −log Σ_{j: m_ij} softmax_j( S(a_i, b_j) / τ )
        m_ij = [i = j] ∨ ∃r: u_r = u_i ∧ v_r = v_j
    ℓ_i = L(f_s, f_t; src, tgt)_i
          + λ · ( L(f_s, f_s; src, src)_i + L(f_t, f_t; tgt, tgt)_i ) / 2
    ```

    The official code uses λ = 0.5 (`(0.5·L_ss + 0.5·L_tt)/2`). With one
    positive per row and λ = 0 this is the one-directional cross-view InfoNCE
    (CLIP's image→text term). The mask is built with one matrix product
    instead of the official O(B³) Python loop.

    Called as `loss(ids, features)`: `ids` is `[B, 2]` integer
    `(src_id, tgt_id)` and `features` is `[B, 2D]`, the source and target
    features side by side.

    Args:
        temperature: τ (positive). Defaults to `0.12` (the paper's
            `contrast_temperature`).
        self_term_weight: λ ≥ 0, the weight of the two self terms. Defaults
            to `0.5`.
        distance: a `kzoo.distances.Distance` (a distance is negated).
            Defaults to `kzoo.distances.CosineSimilarity()`.
        {{loss_args}}

    Example:

    ```python
    src = encoder(source_fragments); tgt = encoder(target_fragments)
    model = keras.Model(inputs, keras.layers.Concatenate()([src, tgt]))
    model.compile("adam", loss=kzoo.losses.PairingNetLoss())
    model.fit(inputs_data, np.stack([src_ids, tgt_ids], axis=1))
    ```

    References:
        - Zhou et al., 2023, *PairingNet: a learning-based pair-searching
          and -matching network for image fragments*; official code
          https://github.com/zhourixin/PairingNet
          (`utils/infornce_loss.py`).
    """

    input_kind = IdsAndPredictions(
        columns=2, what="embeddings of shape (batch_size, dim)"
    )

    def __init__(
        self,
        temperature=0.12,
        self_term_weight=0.5,
        distance=None,
        name="pairing_net_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.temperature = check_positive("temperature", temperature)
        self.distance = get_distance(distance)
        self.self_term_weight = check_non_negative(
            "self_term_weight", self_term_weight
        )

    def standardize_inputs(self, y_true, y_pred):
        ids, x = super().standardize_inputs(y_true, y_pred)
        views(x, 2)
        return ids, x

    def _term(self, a, b, u, v):
        logits = similarity_logits(self.distance, a, b, self.temperature)
        return multi_positive_nce(logits, _partner_mask(u, v))

    def call(self, ids, y_pred):
        f_s, f_t = views(y_pred, 2)
        src, tgt = ids[:, 0], ids[:, 1]
        loss = self._term(f_s, f_t, src, tgt)
        if self.self_term_weight:
            self_terms = self._term(f_s, f_s, src, src) + self._term(
                f_t, f_t, tgt, tgt
            )
            loss = loss + self.self_term_weight * 0.5 * self_terms
        return loss


pairing_net = kzoo_export("kzoo.losses.pairing_net")(
    functional_twin(PairingNetLoss, "pairing_net")
)

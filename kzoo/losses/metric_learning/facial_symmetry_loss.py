"""SymFace's facial symmetry loss (Prakash et al., WACV 2025)."""

from keras import ops

from kzoo._validation import check_batch
from kzoo._validation import check_bool
from kzoo._validation import check_non_negative
from kzoo._validation import predictions
from kzoo._validation import scores
from kzoo._validation import views
from kzoo.api_export import kzoo_export
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin


@kzoo_export("kzoo.losses.FacialSymmetryLoss")
class FacialSymmetryLoss(Loss):
    """Pull together the embeddings of the two halves of a face (SymFace).

    A sufficiently frontal face is split down its vertical symmetry axis; the
    left half and the mirrored right half are embedded by the same network,
    and this loss penalizes the distance between the two embeddings. It is
    added to a margin loss on the whole face (ArcFace, CosFace, UNPG…):
    `L_total = L_f + λ·L_ρ` with `λ = 1` in the paper (Keras: a second model
    output with this loss, `loss_weights` for λ).
    `kzoo.applications.face.half_face_pairs` makes the half-face pairs and
    the frontality coefficient ρ.

    Formula:

    ```
    d_i = 1 − cos(e_i^L, e_i^R)          (distance="cosine")
        = ‖ê_i^L − ê_i^R‖²                (distance="squared_l2", unit vectors)
    m_i = 1[ρ_i ≥ ρ_th]  (all ones without a threshold),  w_i = ρ_i or 1
    L_ρ = Σ_i m_i w_i d_i / max(1, Σ_i m_i)
    ```

    Source and status: the paper (arXiv 2409.11816) states `L_total = L_f +
    L_ρ`, with L_ρ minimizing the embedding gap between the two half-faces of
    images selected by the 3-Point Symmetric Split (3PSS, eye and nose
    landmarks → frontality ρ ∈ [0, 1], split only above a threshold). No
    official code was found, and the full text (distance, whether ρ weights
    the term, how halves are fed) could not be checked offline when this was
    written (PAPERS_METRIC.md §3 marks the spec unverified). kzoo therefore
    implements the generic form above; the default — cosine distance, no ρ
    weighting, no threshold — is the plainest reading. With
    `rho_threshold`, the split selection happens in the loss (`m_i`) so
    batches keep a static shape.

    Per-sample values are `B·m_i w_i d_i / max(1, Σ m)`, so the default mean
    over the batch is L_ρ.

    Args:
        distance: `"cosine"` or `"squared_l2"` (on L2-normalized
            embeddings, `= 2·cosine`). Defaults to `"cosine"`.
        rho_threshold: keep only pairs with `ρ ≥ rho_threshold`, or `None`
            to keep all. Defaults to `None`.
        weight_by_rho: weight each pair by ρ. Defaults to `False`.
        {{loss_args}}

    Call arguments:
        y_true: ρ per sample, `[B]` or `[B, 1]` (pass ones when unused).
        y_pred: `concat([e_left, e_right], axis=-1)`, `[B, 2d]`.

    Example:

    ```python
    from kzoo.applications import face

    left, right, rho = face.half_face_pairs(images, landmarks)
    loss = kzoo.losses.FacialSymmetryLoss()
    value = loss(rho, ops.concatenate([f(left), f(right)], axis=-1))
    ```

    References:
        - [Prakash et al., 2025](https://arxiv.org/abs/2409.11816), SymFace:
          Additional Facial Symmetry Loss for Deep Face Recognition, WACV
          2025.
    """

    def __init__(
        self,
        distance="cosine",
        rho_threshold=None,
        weight_by_rho=False,
        name="facial_symmetry_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if distance not in ("cosine", "squared_l2"):
            raise ValueError(
                "`distance` must be 'cosine' or 'squared_l2'. "
                f"Received: distance={distance!r}"
            )
        self.distance = distance
        self.rho_threshold = (
            None
            if rho_threshold is None
            else check_non_negative("rho_threshold", rho_threshold)
        )
        self.weight_by_rho = check_bool("weight_by_rho", weight_by_rho)

    # Inputs: one frontality coefficient per sample and two half-face
    # embeddings side by side; no `kzoo.losses.inputs` kind has this pair,
    # so the primitives are combined here.
    def standardize_inputs(self, y_true, y_pred):
        emb = predictions(
            y_pred,
            self.dtype,
            rank=2,
            what="concat([e_left, e_right], -1) of shape (batch_size, 2·dim)",
        )
        views(emb, 2)
        rho = scores(y_true, self.dtype, arg="y_true", what="ρ")
        check_batch("y_true", rho, emb.shape[0])
        return rho, emb

    def call(self, rho, embeddings):
        dim = embeddings.shape[-1] // 2
        left = embeddings[:, :dim]
        right = embeddings[:, dim:]

        def unit(x):
            sq = ops.sum(ops.square(x), axis=-1, keepdims=True)
            return x * ops.rsqrt(ops.maximum(sq, 1e-24))

        cos = ops.sum(unit(left) * unit(right), axis=-1)
        d = 1.0 - cos if self.distance == "cosine" else 2.0 - 2.0 * cos
        weight = rho if self.weight_by_rho else ops.ones_like(d)
        if self.rho_threshold is None:
            return weight * d
        keep = ops.cast(rho >= self.rho_threshold, d.dtype)
        batch = ops.cast(ops.shape(d)[0], d.dtype)
        count = ops.maximum(ops.sum(keep), 1.0)
        return keep * weight * d * batch / count


facial_symmetry = kzoo_export("kzoo.losses.facial_symmetry")(
    functional_twin(FacialSymmetryLoss, "facial_symmetry")
)

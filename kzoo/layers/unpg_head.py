"""`UNPGHead`: a margin head with unified negative pairs, and its
`whisker_filter`."""

import math

import keras
from keras import ops

from kzoo._validation import check_non_negative
from kzoo.api_export import kzoo_export
from kzoo.layers._cosine_head import MASKED_LOGIT
from kzoo.layers._cosine_head import CosineHead
from kzoo.layers._cosine_head import arcface_target
from kzoo.layers._cosine_head import cosface_target
from kzoo.layers._cosine_head import integer_labels
from kzoo.layers._cosine_head import normalize_rows


@kzoo_export("kzoo.layers.whisker_filter")
def whisker_filter(values, mask, whisker=1.5):
    """Box-and-whisker (Tukey) filter of the masked entries of `values`.

    Static-shape form of UNPG's `box_and_whisker_algorithm`: the valid
    entries (where `mask` is true) are sorted ascending, `l` is their count,
    the quartiles are the floor-indexed order statistics
    `Q1 = z[⌊0.25 l⌋]`, `Q3 = z[⌊0.75 l⌋]` (not interpolated), and an entry is
    kept when `Q1 − w·IQR ≤ v ≤ Q3 + w·IQR`. The bounds carry no gradient.

    Formula:

    ```
    z = sort({v : mask}),  l = |z|,  IQR = z[⌊0.75 l⌋] − z[⌊0.25 l⌋]
    keep = mask ∧ (z[⌊0.25 l⌋] − w·IQR ≤ v ≤ z[⌊0.75 l⌋] + w·IQR)
    ```

    Args:
        values: float tensor of any shape.
        mask: boolean tensor of the same shape (the candidate entries).
        whisker: w. Defaults to `1.5`.

    Returns:
        Boolean tensor of `values`' shape: the kept entries.

    Example:

    ```python
    keep = kzoo.layers.whisker_filter(sims, negative_mask, 1.5)
    ```

    References:
        - [Jung et al., 2022](https://arxiv.org/abs/2203.11593), Unified
          Negative Pair Generation toward Well-discriminative Feature Space
          for Face Recognition, BMVC 2022.
    """
    values = ops.cast(values, "float32")
    mask = ops.cast(mask, "bool")
    flat = ops.reshape(ops.stop_gradient(values), (-1,))
    flat_mask = ops.reshape(mask, (-1,))
    big = ops.convert_to_tensor(3.0e38, "float32")
    z = ops.sort(ops.where(flat_mask, flat, big))
    count = ops.sum(ops.cast(flat_mask, "int32"))
    q1_idx = ops.cast(ops.floor(ops.cast(count, "float32") * 0.25), "int32")
    q3_idx = ops.cast(ops.floor(ops.cast(count, "float32") * 0.75), "int32")
    q1 = ops.take(z, ops.minimum(q1_idx, ops.size(z) - 1))
    q3 = ops.take(z, ops.minimum(q3_idx, ops.size(z) - 1))
    iqr = q3 - q1
    low = q1 - whisker * iqr
    high = q3 + whisker * iqr
    values = ops.stop_gradient(values)
    return ops.logical_and(
        mask,
        ops.logical_and(
            ops.greater_equal(values, low), ops.less_equal(values, high)
        ),
    )


@kzoo_export("kzoo.layers.UNPGHead")
class UNPGHead(CosineHead):
    """ArcFace/CosFace head with UNPG's filtered batch negatives appended.

    Unified Negative Pair Generation: the classification negatives
    `s·cos θ_j` (j ≠ y) of every row are joined by the negative pairs of the
    batch (metric-learning negatives), filtered by a box-and-whisker rule that
    drops noisy pairs. The same filtered set is appended to every row, with no
    margin, and gradients flow through it into the embeddings.

    Formula (official code, Jung-Jun-Uk/UNPG @ a6f9c17, `head.py`/`build.py`):

    ```
    cos = x̂ Ŵ                                         [B, C]
    S_n = { x̂_i·x̂_j : i < j, y_i ≠ y_j }               (upper triangle)
    S'_n = whisker_filter(S_n, w)                     (floor-index quartiles)
    L_i = −log e^{s ψ(θ_iy)} / (e^{s ψ(θ_iy)} + Σ_{j≠y} e^{s cos θ_ij}
                                + Σ_{t ∈ S'_n} e^{s t})
    ψ(θ) = cos(θ + m) (ArcFace) or cos θ − m (CosFace)
    ```

    Static shapes: with labels, the output is `[B, C + B²]` — the margin
    logits followed by `s·x̂_i·x̂_j` for all `B²` pairs in row-major order,
    where pairs not in `S'_n` (diagonal, lower triangle, positives, filtered
    out) hold `-1e9`, whose softmax weight is exactly 0. Labels stay valid
    class ids, so `SparseCategoricalCrossentropy(from_logits=True)` on this
    output is `mean_i L_i`. Without labels the output is the plain `[B, C]`
    scaled cosines. Computation and output are float32.

    Differences from the official code: the ArcFace target uses the monotonic
    fallback `cos θ − m sin m` past `θ > π − m` and a clipped `acos` (the
    official `acos_()` gives NaN for a cosine rounded above 1 and has no
    fallback); both agree whenever every target angle is below `π − m`. The
    official multi-GPU path stacks one negative set per GPU; this layer
    defines the single-replica semantics. The official YAML uses
    `s = 64, m = 0.5` for both heads and `wisk = 1.5`.

    Args:
        num_classes: number of classes (≥ 2).
        scale: s. Defaults to `64.0`.
        margin: m (radians for ArcFace). Defaults to `0.5`.
        margin_type: `"arcface"` or `"cosface"`. Defaults to `"arcface"`.
        whisker: w of the filter. Defaults to `1.5`.
        kernel_initializer: initializer of `W`. Defaults to
            `"glorot_uniform"`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:

    ```python
    logits = kzoo.layers.UNPGHead(1000)(embeddings, labels)  # [B, C + B*B]
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    ```

    References:
        - [Jung et al., 2022](https://arxiv.org/abs/2203.11593), Unified
          Negative Pair Generation toward Well-discriminative Feature Space
          for Face Recognition, BMVC 2022.
    """

    def __init__(
        self,
        num_classes,
        scale=64.0,
        margin=0.5,
        margin_type="arcface",
        whisker=1.5,
        **kwargs,
    ):
        super().__init__(num_classes, scale, margin, **kwargs)
        if margin_type not in ("arcface", "cosface"):
            raise ValueError(
                "`margin_type` must be 'arcface' or 'cosface'. "
                f"Received: margin_type={margin_type!r}"
            )
        if margin_type == "arcface" and self.margin >= math.pi / 2:
            raise ValueError(
                "`margin` must be below π/2 radians. "
                f"Received: margin={margin!r}"
            )
        self.margin_type = margin_type
        self.whisker = check_non_negative("whisker", whisker)

    def target_logit(self, cosine):
        if self.margin_type == "arcface":
            return arcface_target(cosine, self.margin)
        return cosface_target(cosine, self.margin)

    def call(self, embeddings, labels=None):
        cosine = self.cosine(embeddings)
        if labels is None:
            return self.scale * cosine
        labels = integer_labels(labels)
        logits = self.scale * self.margin_logits(cosine, labels)
        x = normalize_rows(ops.cast(embeddings, "float32"), axis=-1)
        sims = ops.matmul(x, ops.transpose(x))
        n = ops.shape(sims)[0]
        idx = ops.arange(n)
        upper = ops.greater(idx[None, :], idx[:, None])
        different = ops.not_equal(labels[:, None], labels[None, :])
        keep = whisker_filter(
            sims, ops.logical_and(upper, different), self.whisker
        )
        extra = ops.where(keep, self.scale * sims, MASKED_LOGIT)
        extra = ops.reshape(extra, (1, -1))
        extra = ops.broadcast_to(extra, (n, ops.shape(extra)[1]))
        return ops.concatenate([logits, extra], axis=-1)

    def compute_output_shape(self, embeddings_shape, labels_shape=None):
        batch = embeddings_shape[0]
        if labels_shape is None:
            return (batch, self.num_classes)
        extra = None if batch is None else batch * batch
        width = None if extra is None else self.num_classes + extra
        return (batch, width)

    def compute_output_spec(self, embeddings, labels=None):
        shape = self.compute_output_shape(
            embeddings.shape, None if labels is None else labels.shape
        )
        return keras.KerasTensor(shape, dtype="float32")

    def get_config(self):
        config = super().get_config()
        config.update(margin_type=self.margin_type, whisker=self.whisker)
        return config

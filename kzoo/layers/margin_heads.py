"""Angular-margin classification heads (ArcFace, CosFace) and UNPG.

The heads own the class-weight matrix, so any Keras optimizer trains it; the
loss stays a plain `keras.losses.SparseCategoricalCrossentropy(
from_logits=True)`.
"""

import math

import keras
from keras import ops

from kzoo._validation import check_integer
from kzoo._validation import check_non_negative
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export

_CLIP = 1.0 - 1e-7
# Logit given to masked (absent) UNPG negative columns; exp() of it is 0.
_MASKED_LOGIT = -1e9


def _normalize(x, axis):
    sum_sq = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return x * ops.rsqrt(ops.maximum(sum_sq, 1e-24))


def _labels(labels):
    labels = ops.convert_to_tensor(labels)
    if len(labels.shape) == 2 and labels.shape[1] == 1:
        labels = ops.reshape(labels, (-1,))
    if len(labels.shape) != 1:
        raise ValueError(
            "`labels` must hold one class id per sample, of shape "
            f"(batch_size,) or (batch_size, 1). Received: "
            f"labels.shape={tuple(labels.shape)}"
        )
    if "float" in str(labels.dtype):
        labels = ops.round(labels)
    return ops.cast(labels, "int32")


def arcface_target(cosine, margin):
    """`cos(θ + m)` with the monotonic fallback `cos θ − m·sin m` past π − m.

    `acos` is taken of the cosine clipped to `[−1 + 1e-7, 1 − 1e-7]`, so the
    value and the gradient stay finite at `cos = ±1`.
    """
    theta = ops.arccos(ops.clip(cosine, -_CLIP, _CLIP))
    return ops.where(
        theta <= math.pi - margin,
        ops.cos(theta + margin),
        cosine - margin * math.sin(margin),
    )


def cosface_target(cosine, margin):
    """`cos θ − m`."""
    return cosine - margin


class _CosineHead(keras.layers.Layer):
    """Shared kernel, cosine computation and config of the margin heads."""

    def __init__(
        self,
        num_classes,
        scale,
        margin,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_classes = check_integer("num_classes", num_classes)
        if num_classes < 2:
            raise ValueError(
                "`num_classes` must be at least 2. "
                f"Received: num_classes={num_classes!r}"
            )
        self.scale = check_positive("scale", scale)
        self.margin = check_non_negative("margin", margin)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, embeddings_shape, labels_shape=None):
        dim = embeddings_shape[-1]
        if dim is None:
            raise ValueError(
                "The embedding dimension must be known. "
                f"Received: embeddings shape={embeddings_shape}"
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(dim, self.num_classes),
            initializer=self.kernel_initializer,
            dtype=self.variable_dtype,
        )

    def cosine(self, embeddings):
        """`cos θ` between the embeddings and every class weight, float32."""
        x = _normalize(ops.cast(embeddings, "float32"), axis=-1)
        w = _normalize(ops.cast(self.kernel, "float32"), axis=0)
        return ops.matmul(x, w)

    def target_logit(self, cosine):
        raise NotImplementedError

    def margin_logits(self, cosine, labels):
        """Unscaled logits with the margin applied to each target column."""
        one_hot = ops.one_hot(labels, self.num_classes, dtype=cosine.dtype)
        target = ops.sum(one_hot * cosine, axis=-1, keepdims=True)
        diff = self.target_logit(target) - target
        return cosine + one_hot * diff

    def call(self, embeddings, labels=None):
        cosine = self.cosine(embeddings)
        if labels is None:
            return self.scale * cosine
        return self.scale * self.margin_logits(cosine, _labels(labels))

    def compute_output_shape(self, embeddings_shape, labels_shape=None):
        return tuple(embeddings_shape[:-1]) + (self.num_classes,)

    def compute_output_spec(self, embeddings, labels=None):
        shape = self.compute_output_shape(embeddings.shape)
        return keras.KerasTensor(shape, dtype="float32")

    def get_config(self):
        config = super().get_config()
        config.update(
            num_classes=self.num_classes,
            scale=self.scale,
            margin=self.margin,
            kernel_initializer=keras.initializers.serialize(
                self.kernel_initializer
            ),
        )
        return config


_HEAD_DOC = """
    The layer owns the class weights `W` (its one weight, `kernel`, of shape
    `[embedding_dim, num_classes]`), so the optimizer of `model.fit` trains
    them; train with `keras.losses.SparseCategoricalCrossentropy(
    from_logits=True)`. `head(embeddings, labels)` returns the margin logits
    (margin on the target column only); `head(embeddings)` returns the plain
    scaled cosines `s·cos θ` (inference, or accuracy metrics). Logits are
    computed and returned in float32 whatever the dtype policy (a scale of 64
    leaves bfloat16 a resolution of 0.25 logit).
"""


@kzoo_export("kzoo.layers.ArcFaceHead")
class ArcFaceHead(_CosineHead):
    __doc__ = (
        """Additive angular margin head (ArcFace).
"""
        + _HEAD_DOC
        + """
    Formula:

    ```
    cos θ_j = x̂ · Ŵ_j          (x̂, Ŵ_j: unit embedding, unit class column)
    logit_j = s · cos θ_j                           j ≠ y
    logit_y = s · cos(θ_y + m)                      θ_y ≤ π − m
            = s · (cos θ_y − m · sin m)             θ_y > π − m
    ```

    The fallback keeps the target logit decreasing in θ (insightface,
    pytorch-metric-learning); `acos` is clipped to `[−1 + 1e-7, 1 − 1e-7]`, so
    no NaN appears at `cos = ±1`. Equal in value and gradient to
    pytorch-metric-learning's `ArcFaceLoss(margin=degrees(m), scale=s)` given
    the same `W` (the loss being the mean cross-entropy of these logits).

    Args:
        num_classes: number of classes (≥ 2).
        scale: s. Defaults to `64.0`.
        margin: m, in radians. Defaults to `0.5`.
        kernel_initializer: initializer of `W`. Defaults to
            `"glorot_uniform"`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:

    ```python
    emb = keras.Input((128,)); lab = keras.Input((), dtype="int32")
    logits = kzoo.layers.ArcFaceHead(1000)(emb, lab)
    model = keras.Model([emb, lab], logits)
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    model.fit((embeddings, labels), labels)
    ```

    References:
        - [Deng et al., 2019](https://arxiv.org/abs/1801.07698), ArcFace:
          Additive Angular Margin Loss for Deep Face Recognition, CVPR 2019.
    """
    )

    def __init__(self, num_classes, scale=64.0, margin=0.5, **kwargs):
        super().__init__(num_classes, scale, margin, **kwargs)
        if self.margin >= math.pi / 2:
            raise ValueError(
                "`margin` must be below π/2 radians. "
                f"Received: margin={margin!r}"
            )

    def target_logit(self, cosine):
        return arcface_target(cosine, self.margin)


@kzoo_export("kzoo.layers.CosFaceHead")
class CosFaceHead(_CosineHead):
    __doc__ = (
        """Large margin cosine head (CosFace).
"""
        + _HEAD_DOC
        + """
    Formula:

    ```
    logit_j = s · cos θ_j          j ≠ y
    logit_y = s · (cos θ_y − m)
    ```

    Equal in value and gradient to pytorch-metric-learning's
    `CosFaceLoss(margin=m, scale=s)` given the same `W`.

    Args:
        num_classes: number of classes (≥ 2).
        scale: s. Defaults to `64.0`.
        margin: m. Defaults to `0.35`.
        kernel_initializer: initializer of `W`. Defaults to
            `"glorot_uniform"`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:

    ```python
    logits = kzoo.layers.CosFaceHead(1000)(embeddings, labels)
    ```

    References:
        - [Wang et al., 2018](https://arxiv.org/abs/1801.09414), CosFace:
          Large Margin Cosine Loss for Deep Face Recognition, CVPR 2018.
    """
    )

    def __init__(self, num_classes, scale=64.0, margin=0.35, **kwargs):
        super().__init__(num_classes, scale, margin, **kwargs)

    def target_logit(self, cosine):
        return cosface_target(cosine, self.margin)


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
class UNPGHead(_CosineHead):
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
        labels = _labels(labels)
        logits = self.scale * self.margin_logits(cosine, labels)
        x = _normalize(ops.cast(embeddings, "float32"), axis=-1)
        sims = ops.matmul(x, ops.transpose(x))
        n = ops.shape(sims)[0]
        idx = ops.arange(n)
        upper = ops.greater(idx[None, :], idx[:, None])
        different = ops.not_equal(labels[:, None], labels[None, :])
        keep = whisker_filter(
            sims, ops.logical_and(upper, different), self.whisker
        )
        extra = ops.where(keep, self.scale * sims, _MASKED_LOGIT)
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

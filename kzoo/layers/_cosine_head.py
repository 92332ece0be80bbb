"""The shared base of the angular-margin heads (ArcFace, CosFace, UNPG).

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

CLIP = 1.0 - 1e-7


# Logit given to masked (absent) UNPG negative columns; exp() of it is 0.
MASKED_LOGIT = -1e9


def normalize_rows(x, axis):
    sum_sq = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return x * ops.rsqrt(ops.maximum(sum_sq, 1e-24))


def integer_labels(labels):
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
    theta = ops.arccos(ops.clip(cosine, -CLIP, CLIP))
    return ops.where(
        theta <= math.pi - margin,
        ops.cos(theta + margin),
        cosine - margin * math.sin(margin),
    )


def cosface_target(cosine, margin):
    """`cos θ − m`."""
    return cosine - margin


class CosineHead(keras.layers.Layer):
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
        x = normalize_rows(ops.cast(embeddings, "float32"), axis=-1)
        w = normalize_rows(ops.cast(self.kernel, "float32"), axis=0)
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
        return self.scale * self.margin_logits(cosine, integer_labels(labels))

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


HEAD_DOC = """
    The layer owns the class weights `W` (its one weight, `kernel`, of shape
    `[embedding_dim, num_classes]`), so the optimizer of `model.fit` trains
    them; train with `keras.losses.SparseCategoricalCrossentropy(
    from_logits=True)`. `head(embeddings, labels)` returns the margin logits
    (margin on the target column only); `head(embeddings)` returns the plain
    scaled cosines `s·cos θ` (inference, or accuracy metrics). Logits are
    computed and returned in float32 whatever the dtype policy (a scale of 64
    leaves bfloat16 a resolution of 0.25 logit).
"""

"""Hyperspherical (cosine) classifier with unit-norm class weights."""

import keras
from keras import ops

from kzoo._validation import check_integer
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export


def _unit_columns(w):
    sum_sq = ops.sum(ops.square(w), axis=0, keepdims=True)
    return w * ops.rsqrt(ops.maximum(sum_sq, 1e-24))


@kzoo_export("kzoo.layers.CosineClassifier")
class CosineClassifier(keras.layers.Layer):
    """Classifier on a hypersphere: scaled unit features, unit class weights.

    The features are projected onto the sphere of radius `s`, and each class
    is a unit-norm weight vector with a zero bias, so the logits are
    `s·cos θ_k`. The unit norm of the class weights is enforced by a Keras
    constraint (`keras.constraints.UnitNorm(axis=0)`: a projection applied
    after every optimizer step) and by a unit-norm initialization; there is
    no bias, i.e. it is identically zero (the paper's `MinMaxNorm(0, 0)` bias
    constraint). Train with `SparseCategoricalCrossentropy(from_logits=True)`.

    Relation to normalized softmax: the cross-entropy of these logits is the
    normalized softmax loss (NormFace; pytorch-metric-learning's
    `NormalizedSoftmaxLoss(temperature=1/s)`) — the same value for the same
    unit-norm weights. The gradients with respect to the class weights differ:
    normalized softmax normalizes `W` inside the forward pass (the gradient is
    projected onto the sphere's tangent), whereas here the optimizer updates
    `W` freely and the constraint projects it back. Gradients with respect to
    the features are identical. A new class can be added without retraining
    by appending its normalized mean feature as a weight column
    (`add_class`).

    Formula:

    ```
    z = s · f / ‖f‖,   ‖w_k‖ = 1,   b_k = 0
    logit_k = z · w_k = s · cos θ_k
    ```

    Logits are computed and returned in float32 whatever the dtype policy.

    Args:
        num_classes: number of classes (≥ 1).
        scale: s, the radius of the feature sphere. Defaults to `10.0` (the
            paper's value).
        kernel_initializer: initializer of the weights, normalized per class
            after initialization. Defaults to `"glorot_uniform"`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:

    ```python
    features = keras.layers.Dense(64)(x)
    logits = kzoo.layers.CosineClassifier(10)(features)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    ```

    References:
        - [Pereira et al., 2021](https://arxiv.org/abs/2102.03243),
          Hyperspherical embedding for novel class classification.
        - [Wang et al., 2017](https://arxiv.org/abs/1704.06369), NormFace:
          L2 Hypersphere Embedding for Face Verification.
    """

    def __init__(
        self,
        num_classes,
        scale=10.0,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_classes = check_integer("num_classes", num_classes)
        if num_classes < 1:
            raise ValueError(
                "`num_classes` must be at least 1. "
                f"Received: num_classes={num_classes!r}"
            )
        self.scale = check_positive("scale", scale)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        dim = input_shape[-1]
        self.kernel = self.add_weight(
            name="kernel",
            shape=(dim, self.num_classes),
            initializer=self.kernel_initializer,
            constraint=keras.constraints.UnitNorm(axis=0),
            dtype=self.variable_dtype,
        )
        self.kernel.assign(_unit_columns(self.kernel))

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        x = x * ops.rsqrt(
            ops.maximum(ops.sum(ops.square(x), axis=-1, keepdims=True), 1e-24)
        )
        return self.scale * ops.matmul(x, ops.cast(self.kernel, "float32"))

    def add_class(self, features):
        """Append a class whose weight is the normalized mean of `features`.

        Rebuilds the kernel with one more column (the layer's `num_classes`
        grows by one); models built on the layer see the new class at once.
        Call it outside training (it replaces the variable, so recompile
        before fitting again).

        Args:
            features: `[n, dim]` features of the new class's examples.
        """
        features = ops.cast(ops.convert_to_tensor(features), "float32")
        unit = features * ops.rsqrt(
            ops.maximum(
                ops.sum(ops.square(features), axis=-1, keepdims=True), 1e-24
            )
        )
        mean = ops.mean(unit, axis=0)
        new = ops.concatenate(
            [ops.cast(self.kernel, "float32"), _unit_columns(mean[:, None])],
            axis=1,
        )
        value = ops.convert_to_numpy(new)
        self._tracker.unlock()
        self._trainable_variables.remove(self.kernel)
        self.num_classes += 1
        self.kernel = self.add_weight(
            name="kernel",
            shape=value.shape,
            initializer="zeros",
            constraint=keras.constraints.UnitNorm(axis=0),
            dtype=self.variable_dtype,
        )
        self.kernel.assign(value)
        self._tracker.lock()

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.num_classes,)

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(
            self.compute_output_shape(inputs.shape), dtype="float32"
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            num_classes=self.num_classes,
            scale=self.scale,
            kernel_initializer=keras.initializers.serialize(
                self.kernel_initializer
            ),
        )
        return config

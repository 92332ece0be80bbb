"""Hyperbolic layers of Hyp-OC (Narayan & Patel, 2024): the map into the
Poincaré ball, the hyperbolic multinomial logistic regression head and the
Gaussian pseudo-negative sampler."""

import keras
from keras import ops

from kzoo import ops as kops
from kzoo._validation import check_non_negative
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.ops.hyperbolic import clip_feature_norm
from kzoo.ops.hyperbolic import expmap0
from kzoo.ops.hyperbolic import mobius_add
from kzoo.ops.hyperbolic import project_to_ball


def _check_epsilon(epsilon):
    if not isinstance(epsilon, (int, float)) or not 0 < epsilon < 1:
        raise ValueError(
            f"`epsilon` must be in (0, 1). Received: epsilon={epsilon!r}"
        )
    return float(epsilon)


@kzoo_export("kzoo.layers.ToPoincare")
class ToPoincare(keras.layers.Layer):
    """Map Euclidean features into the Poincaré ball.

    Formula:

    ```
    x̃ = min(1, r/‖x‖)·x                  (only when clip_radius = r is set)
    z = proj(expmap0(x̃)),  proj to radius (1 − ε)/√c
    ```

    Hyp-OC uses `c = 0.1`, `clip_radius = 2`. (Its `ToPoincare` can also
    learn a base point `x_p` and use `expmap_{x_p}`; kzoo maps at the origin,
    which is Hyp-OC's `train_x=False` setting.) Computes in float32 whatever
    the dtype policy.

    Args:
        c: curvature magnitude. Defaults to `1.0`.
        clip_radius: Euclidean feature clipping radius, or `None` for no
            clipping. Defaults to `None`.
        epsilon: boundary margin of the projection. Defaults to `1e-3`.

    Example:

    ```python
    z = kzoo.layers.ToPoincare(c=0.1, clip_radius=2.0)(features)
    ```

    References:
        - [Narayan & Patel, 2024](https://arxiv.org/abs/2404.14406), Hyp-OC.
        - [Guo et al., 2022](https://arxiv.org/abs/2107.11472) (clipping).
    """

    def __init__(self, c=1.0, clip_radius=None, epsilon=1e-3, **kwargs):
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.c = check_positive("c", c)
        self.clip_radius = (
            None
            if clip_radius is None
            else check_positive("clip_radius", clip_radius)
        )
        self.epsilon = _check_epsilon(epsilon)

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        if self.clip_radius is not None:
            x = clip_feature_norm(x, self.clip_radius)
        return project_to_ball(expmap0(x, self.c), self.c, self.epsilon)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(inputs.shape, dtype="float32")

    def get_config(self):
        config = super().get_config()
        config.update(
            c=self.c, clip_radius=self.clip_radius, epsilon=self.epsilon
        )
        return config


def hyperbolic_mlr_logits(z, p, a, c):
    """Logits of the hyperbolic MLR for ball points `z` [B, D], class
    offsets `p` [K, D] (in the ball) and normals `a` [K, D] (tangent at p)."""
    sc = c**0.5
    # w_bk = (−p_k) ⊕ z_b, broadcast to [B, K, D]
    w = mobius_add(-p[None, :, :], z[:, None, :], c)
    w2 = ops.sum(ops.square(w), axis=-1)
    a_norm = ops.maximum(kops.safe_norm(a, axis=-1), 1e-15)  # [K]
    p2 = ops.sum(ops.square(p), axis=-1)
    lam = 2.0 / (1.0 - c * p2)
    wa = ops.sum(w * a[None, :, :], axis=-1)
    arg = 2.0 * sc * wa / (ops.maximum(1.0 - c * w2, 1e-15) * a_norm)
    return (lam * a_norm / sc) * ops.arcsinh(arg)


@kzoo_export("kzoo.layers.HyperbolicMLR")
class HyperbolicMLR(keras.layers.Layer):
    """Hyperbolic multinomial logistic regression (Ganea et al., 2018).

    Each class k is a gyroplane with offset `p_k` in the Poincaré ball and
    normal `a_k`; the logit is the signed, scaled hyperbolic distance to it.
    Parametrised as in Hyp-OC's `HyperbolicMLR`: Euclidean weights `P_k`,
    `A_k` with `p_k = expmap0(P_k)` and `a_k = A_k·(1 − c‖p_k‖²)`.

    Formula:

    ```
    w_k = (−p_k) ⊕_c z,   λ_p = 2/(1 − c‖p‖²)
    logit_k(z) = (λ_{p_k}‖a_k‖/√c) ·
                 asinh(2√c⟨w_k, a_k⟩ / ((1 − c‖w_k‖²)·‖a_k‖))
    ```

    Inputs must lie in the ball (e.g. from `kzoo.layers.ToPoincare` with
    the same `c`). As `c → 0` the logit tends to the Euclidean `4⟨z − p, A⟩`
    form. Computes in float32.

    Args:
        units: number of classes K.
        c: curvature magnitude. Defaults to `1.0`.
        kernel_initializer: initializer of `A`. Defaults to
            `"glorot_uniform"`.
        offset_initializer: initializer of `P`. Defaults to `"zeros"`.

    Example:

    ```python
    z = kzoo.layers.ToPoincare(c=0.1, clip_radius=2.0)(features)
    logits = kzoo.layers.HyperbolicMLR(2, c=0.1)(z)
    ```

    References:
        - [Ganea et al., 2018](https://arxiv.org/abs/1805.09112), Hyperbolic
          Neural Networks.
        - [Narayan & Patel, 2024](https://arxiv.org/abs/2404.14406), Hyp-OC.
    """

    def __init__(
        self,
        units,
        c=1.0,
        kernel_initializer="glorot_uniform",
        offset_initializer="zeros",
        **kwargs,
    ):
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise ValueError(
                f"`units` must be a positive integer. Received: units={units!r}"
            )
        self.units = units
        self.c = check_positive("c", c)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.offset_initializer = keras.initializers.get(offset_initializer)

    def build(self, input_shape):
        dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(self.units, dim),
            initializer=self.kernel_initializer,
            name="kernel",
            dtype="float32",
        )
        self.offset = self.add_weight(
            shape=(self.units, dim),
            initializer=self.offset_initializer,
            name="offset",
            dtype="float32",
        )

    def call(self, inputs):
        z = ops.cast(inputs, "float32")
        p = expmap0(ops.cast(self.offset, "float32"), self.c)
        conformal = 1.0 - self.c * ops.sum(ops.square(p), -1, keepdims=True)
        a = ops.cast(self.kernel, "float32") * conformal
        return hyperbolic_mlr_logits(z, p, a, self.c)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(
            self.compute_output_shape(inputs.shape), dtype="float32"
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            c=self.c,
            kernel_initializer=keras.initializers.serialize(
                self.kernel_initializer
            ),
            offset_initializer=keras.initializers.serialize(
                self.offset_initializer
            ),
        )
        return config


@kzoo_export("kzoo.layers.PseudoNegativeSampler")
class PseudoNegativeSampler(keras.layers.Layer):
    """Gaussian pseudo-negatives around a running mean of the real features.

    Hyp-OC trains on bona-fide (real) samples only. In training, this layer
    appends as many pseudo-negative features as the batch has rows, drawn
    from an isotropic Gaussian around a smoothed mean of the features; at
    inference it returns its input unchanged.

    Formula (batch features f [B, D], stored mean μ_prev, initially 0):

    ```
    μ̃ = α·μ_prev + (1 − α)·mean_b(f_b)
    n_b ~ N(μ̃, σ²·I),   b = 1..B
    output = concat([f, n])  [2B, D]   (rows 0..B−1 real, B..2B−1 pseudo)
    μ_prev ← mean_b(f_b)        (Hyp-OC feeds back the raw batch mean)
    ```

    `feed_back="smoothed"` stores μ̃ instead (an exponential moving
    average). The Hyp-OC code also resets μ_prev to 0 at each epoch start;
    kzoo keeps it across epochs. The mean is taken on `stop_gradient(f)`;
    the real rows keep their gradient. Use with
    `kzoo.losses.HypCrossEntropyLoss(one_class_batch=True)` and
    `kzoo.losses.HypPairwiseConfusionLoss(one_class_batch=True)`.

    Args:
        momentum: α. Defaults to `0.8`.
        stddev: σ. Defaults to `1.0`.
        feed_back: `"batch_mean"` (Hyp-OC code) or `"smoothed"`. Defaults
            to `"batch_mean"`.
        seed: integer seed. Defaults to `None`.

    Example:

    ```python
    f = keras.layers.Dense(128)(inputs)
    f = kzoo.layers.PseudoNegativeSampler()(f)   # [2B, 128] in training
    ```

    References:
        - [Narayan & Patel, 2024](https://arxiv.org/abs/2404.14406), Hyp-OC.
    """

    def __init__(
        self,
        momentum=0.8,
        stddev=1.0,
        feed_back="batch_mean",
        seed=None,
        **kwargs,
    ):
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        if (
            isinstance(momentum, bool)
            or not isinstance(momentum, (int, float))
            or not 0 <= momentum <= 1
        ):
            raise ValueError(
                f"`momentum` must be in [0, 1]. Received: momentum={momentum!r}"
            )
        self.momentum = float(momentum)
        self.stddev = check_non_negative("stddev", stddev)
        if feed_back not in ("batch_mean", "smoothed"):
            raise ValueError(
                "`feed_back` must be 'batch_mean' or 'smoothed'. "
                f"Received: feed_back={feed_back!r}"
            )
        self.feed_back = feed_back
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.mean = self.add_weight(
            shape=(input_shape[-1],),
            initializer="zeros",
            trainable=False,
            name="mean",
            dtype="float32",
        )

    def call(self, inputs, training=False):
        f = ops.cast(inputs, "float32")
        if not training:
            return f
        batch_mean = ops.mean(ops.stop_gradient(f), axis=0)
        prev = ops.cast(self.mean, "float32")
        mu = self.momentum * prev + (1.0 - self.momentum) * batch_mean
        noise = keras.random.normal(
            ops.shape(f),
            stddev=self.stddev,
            dtype="float32",
            seed=self.seed_generator,
        )
        self.mean.assign(batch_mean if self.feed_back == "batch_mean" else mu)
        return ops.concatenate([f, mu[None, :] + noise], axis=0)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs, training=False):
        return keras.KerasTensor(inputs.shape, dtype="float32")

    def get_config(self):
        config = super().get_config()
        config.update(
            momentum=self.momentum,
            stddev=self.stddev,
            feed_back=self.feed_back,
            seed=self.seed,
        )
        return config

"""`HyperbolicMLR`: the hyperbolic multinomial logistic regression head of
Hyp-OC (Narayan & Patel, 2024)."""

import keras
from keras import ops

from kzoo import ops as kops
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.ops.hyperbolic import expmap0
from kzoo.ops.hyperbolic import mobius_add


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

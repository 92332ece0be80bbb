"""AMCL's projection heads with per-pair adaptive temperatures."""

import keras
from keras import ops

from kzoo import ops as kops
from kzoo._validation import check_integer
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.api_export import renamed_argument


def _check_units(name, value):
    check_integer(name, value)
    if value < 1:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )
    return value


@kzoo_export("kzoo.layers.AdaptiveTemperatureHeads")
class AdaptiveTemperatureHeads(keras.layers.Layer):
    """AMCL's multi-head projector and pair-temperature networks.

    H projection heads (`Dense → ReLU → Dense`, L2-normalized) map the
    backbone features of a batch to H embeddings; for every head and every
    ordered pair (i, j) of the batch a small network φ_h predicts a
    temperature in `(temperature_min, temperature_max)` from the two
    embeddings. The output feeds `kzoo.losses.AMCLLoss`.

    Formula (per head h):

    ```
    z^h_i = normalize( W2_h · relu(W1_h x_i + b1_h) + b2_h )
    s^h_ij = z^h_i · z^h_j
    τ^h_ij = τ_min + (τ_max − τ_min) · σ( v_h · relu(A_h z^h_i + C_h z^h_j
                                             + c_h) + e_h )
    ```

    φ_h's first layer on the concatenation `[z_i ; z_j]` is split into
    `A_h z_i + C_h z_j`, so all B² pairs come from one broadcast sum: memory
    `H·B²·temperature_hidden_dim` floats (3·256²·128 ≈ 100 MB for a batch
    of 256).

    Input `[B, F]` features; output `[B, H, B, 2]`, `out[i, h, j] =
    (s^h_ij, τ^h_ij)`, computed in float32.

    Args:
        num_heads: H. Defaults to `3`.
        hidden_dim: width of each head's hidden layer. Defaults to `512`.
        projection_dim: width of each head's output. Defaults to `128`.
        temperature_hidden_dim: width of φ_h's hidden layer (formerly
            `tau_hidden_dim`, still accepted with a `DeprecationWarning`).
            Defaults to `128`.
        temperature_min: lower temperature bound (positive; formerly
            `tau_min`). Defaults to `1e-5`.
        temperature_max: upper temperature bound (> `temperature_min`;
            formerly `tau_max`). Defaults to `2.0`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:

    ```python
    pairs = kzoo.layers.AdaptiveTemperatureHeads(num_heads=3)(backbone(x))
    model = keras.Model(x, pairs)
    model.compile("adam", loss=kzoo.losses.AMCLLoss(reg_dim=128))
    ```

    References:
        - [Wang et al., 2024](https://arxiv.org/abs/2310.05615), Adaptive
          multi-head contrastive learning, ECCV 2024.
    """

    def __init__(
        self,
        num_heads=3,
        hidden_dim=512,
        projection_dim=128,
        temperature_hidden_dim=128,
        temperature_min=1e-5,
        temperature_max=2.0,
        **kwargs,
    ):
        temperature_hidden_dim = renamed_argument(
            kwargs,
            "tau_hidden_dim",
            "temperature_hidden_dim",
            temperature_hidden_dim,
            128,
        )
        temperature_min = renamed_argument(
            kwargs, "tau_min", "temperature_min", temperature_min, 1e-5
        )
        temperature_max = renamed_argument(
            kwargs, "tau_max", "temperature_max", temperature_max, 2.0
        )
        super().__init__(**kwargs)
        self.num_heads = _check_units("num_heads", num_heads)
        self.hidden_dim = _check_units("hidden_dim", hidden_dim)
        self.projection_dim = _check_units("projection_dim", projection_dim)
        self.temperature_hidden_dim = _check_units(
            "temperature_hidden_dim", temperature_hidden_dim
        )
        self.temperature_min = check_positive(
            "temperature_min", temperature_min
        )
        self.temperature_max = check_positive(
            "temperature_max", temperature_max
        )
        if self.temperature_max <= self.temperature_min:
            raise ValueError(
                "`temperature_max` must be greater than `temperature_min`. "
                f"Received: temperature_max={temperature_max!r}, "
                f"temperature_min={temperature_min!r}"
            )

    def build(self, input_shape):
        h, f = self.num_heads, input_shape[-1]
        p, t = self.projection_dim, self.temperature_hidden_dim

        def weight(name, shape, init="glorot_uniform"):
            return self.add_weight(
                name=name,
                shape=shape,
                initializer=init,
                dtype="float32",
                autocast=False,
            )

        self.w1 = weight("w1", (h, f, self.hidden_dim))
        self.b1 = weight("b1", (h, 1, self.hidden_dim), "zeros")
        self.w2 = weight("w2", (h, self.hidden_dim, p))
        self.b2 = weight("b2", (h, 1, p), "zeros")
        self.temperature_a = weight("temperature_a", (h, p, t))
        self.temperature_c = weight("temperature_c", (h, p, t))
        self.temperature_b = weight("temperature_b", (h, 1, 1, t), "zeros")
        self.temperature_v = weight("temperature_v", (h, t, 1))
        self.temperature_e = weight("temperature_e", (h, 1, 1), "zeros")

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        hid = ops.relu(ops.einsum("bf,hfk->hbk", x, self.w1) + self.b1)
        z = ops.einsum("hbk,hkp->hbp", hid, self.w2) + self.b2
        z = kops.l2_normalize(z, axis=-1)
        sim = ops.einsum("hip,hjp->hij", z, z)
        u = ops.einsum("hbp,hpt->hbt", z, self.temperature_a)
        v = ops.einsum("hbp,hpt->hbt", z, self.temperature_c)
        pair = ops.relu(
            u[:, :, None, :] + v[:, None, :, :] + self.temperature_b
        )
        gate = ops.squeeze(ops.matmul(pair, self.temperature_v[:, None]), -1)
        gate = gate + self.temperature_e
        span = self.temperature_max - self.temperature_min
        temperature = self.temperature_min + span * ops.sigmoid(gate)
        out = ops.stack([sim, temperature], axis=-1)  # [H, B, B, 2]
        return ops.transpose(out, (1, 0, 2, 3))

    def compute_output_shape(self, input_shape):
        b = input_shape[0]
        return (b, self.num_heads, b, 2)

    def compute_output_spec(self, inputs):
        b = inputs.shape[0]
        return keras.KerasTensor((b, self.num_heads, b, 2), dtype="float32")

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self.num_heads,
            hidden_dim=self.hidden_dim,
            projection_dim=self.projection_dim,
            temperature_hidden_dim=self.temperature_hidden_dim,
            temperature_min=self.temperature_min,
            temperature_max=self.temperature_max,
        )
        return config

"""Set2Set: the Process block of Read-Process-Write (Vinyals et al., 2016)."""

import keras
from keras import ops

from kzoo._validation import check_integer
from kzoo.api_export import kzoo_export


@kzoo_export("kzoo.layers.Set2Set")
class Set2Set(keras.layers.Layer):
    """Order-invariant set embedding by repeated content-based attention.

    The "Process" block of the Read-Process-Write network: an LSTM without
    input runs for `processing_steps` steps; at each step its state queries
    the set by dot-product attention and the read-out is fed back. The
    final `q*_T` does not depend on the order of the set's elements.

    Formula (set `m_1 … m_N ∈ ℝᴰ`, `q*_0 = 0 ∈ ℝ²ᴰ`, `h_0 = c_0 = 0`):

    ```
    q_t, c_t = LSTM(q*_{t−1}, (q_{t−1}, c_{t−1}))        q_t ∈ ℝᴰ
    e_{i,t}  = ⟨m_i, q_t⟩
    a_{i,t}  = exp(e_{i,t}) / Σ_j exp(e_{j,t})           (masked elements: 0)
    r_t      = Σ_i a_{i,t} m_i
    q*_t     = [q_t ; r_t]                              output q*_T ∈ ℝ²ᴰ
    ```

    The LSTM has gates `i, f, g, o` in that order (Keras' and torch's
    order), `kernel` `[2D, 4D]`, `recurrent_kernel` `[D, 4D]` and one `bias`
    `[4D]`; torch-geometric's `Set2Set` (an `nn.LSTM(2D, D)`) maps onto it
    with `kernel = weight_ih.T`, `recurrent_kernel = weight_hh.T`,
    `bias = bias_ih + bias_hh`. The steps are unrolled (static count), so the
    layer exports to TFLite. Sets are dense and padded: pass a boolean
    `mask` `[B, N]` (or a Keras mask) marking the real elements; an empty
    set reads out zeros. Computes in float32 under mixed precision.

    Args:
        processing_steps: number of attention steps T (positive). Defaults
            to `3`.
        kernel_initializer: for `kernel`. Defaults to `"glorot_uniform"`.
        recurrent_initializer: for `recurrent_kernel`. Defaults to
            `"orthogonal"`.
        unit_forget_bias: initialize the forget-gate bias to 1. Defaults to
            `True`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Inputs: `[B, N, D]` sets, optional `mask` `[B, N]`.
    Output: `[B, 2D]`.

    Example:

    ```python
    x = keras.Input((None, 16))           # a padded set of 16-d elements
    m = keras.layers.Dense(32)(x)         # Read: per-element embedding
    q = kzoo.layers.Set2Set(processing_steps=5)(m)   # [B, 64]
    ```

    References:
        - [Vinyals, Bengio & Kudlur, 2016](https://arxiv.org/abs/1511.06391),
          Order Matters: Sequence to sequence for sets (ICLR 2016).
    """

    def __init__(
        self,
        processing_steps=3,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        unit_forget_bias=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.processing_steps = check_integer(
            "processing_steps", processing_steps
        )
        if self.processing_steps < 1:
            raise ValueError(
                "`processing_steps` must be a positive integer. "
                f"Received: processing_steps={processing_steps!r}"
            )
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(
            recurrent_initializer
        )
        self.unit_forget_bias = unit_forget_bias
        self.supports_masking = True

    def build(self, input_shape):
        d = input_shape[-1]
        if d is None:
            raise ValueError(
                "The last dimension of the input of `Set2Set` must be known. "
                f"Received: input_shape={input_shape}"
            )
        self.units = d
        self.kernel = self.add_weight(
            shape=(2 * d, 4 * d),
            initializer=self.kernel_initializer,
            name="kernel",
        )
        self.recurrent_kernel = self.add_weight(
            shape=(d, 4 * d),
            initializer=self.recurrent_initializer,
            name="recurrent_kernel",
        )
        if self.unit_forget_bias:

            def bias_init(shape, dtype=None):
                return ops.concatenate(
                    [
                        ops.zeros((d,), dtype),
                        ops.ones((d,), dtype),
                        ops.zeros((2 * d,), dtype),
                    ]
                )

        else:
            bias_init = "zeros"
        self.bias = self.add_weight(
            shape=(4 * d,), initializer=bias_init, name="bias"
        )

    def call(self, inputs, mask=None):
        m = ops.cast(inputs, "float32")
        b, d = ops.shape(m)[0], self.units
        if mask is None:
            valid = ops.ones_like(m[..., 0])
        else:
            valid = ops.cast(mask, "float32")
        kernel = ops.cast(self.kernel, "float32")
        recurrent = ops.cast(self.recurrent_kernel, "float32")
        bias = ops.cast(self.bias, "float32")
        h = ops.zeros((b, d), "float32")
        c = ops.zeros((b, d), "float32")
        q_star = ops.zeros((b, 2 * d), "float32")
        for _ in range(self.processing_steps):
            z = ops.matmul(q_star, kernel) + ops.matmul(h, recurrent) + bias
            i, f, g, o = ops.split(z, 4, axis=-1)
            c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
            h = ops.sigmoid(o) * ops.tanh(c)
            e = ops.sum(m * h[:, None, :], axis=-1)
            e = ops.where(valid > 0, e, ops.full_like(e, -1e9))
            e = e - ops.max(e, axis=-1, keepdims=True)
            a = ops.exp(e) * valid
            a = a / ops.maximum(ops.sum(a, axis=-1, keepdims=True), 1e-30)
            r = ops.sum(a[..., None] * m, axis=1)
            q_star = ops.concatenate([h, r], axis=-1)
        return ops.cast(q_star, self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        d = input_shape[-1]
        return (input_shape[0], None if d is None else 2 * d)

    def get_config(self):
        config = super().get_config()
        config.update(
            processing_steps=self.processing_steps,
            kernel_initializer=keras.initializers.serialize(
                self.kernel_initializer
            ),
            recurrent_initializer=keras.initializers.serialize(
                self.recurrent_initializer
            ),
            unit_forget_bias=self.unit_forget_bias,
        )
        return config

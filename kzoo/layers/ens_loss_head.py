"""EnsLoss hosted in a layer that owns its random generator."""

import keras
from keras import ops

from kzoo._validation import check_number
from kzoo.api_export import kzoo_export
from kzoo.losses.classification.ens_loss import ens_loss_values


@kzoo_export("kzoo.layers.EnsLossHead")
class EnsLossHead(keras.layers.Layer):
    """Adds the EnsLoss surrogate (`kzoo.losses.EnsLoss`) with layer-owned
    noise.

    The layer owns a `keras.random.SeedGenerator`, which Keras tracks as
    layer state: every backend's trainer advances it between steps (under
    JAX its state is threaded through the jitted step like a BatchNorm
    statistic), so consecutive steps draw fresh derivatives and the same
    `seed` reproduces the run. In training (`training=True`) it draws
    ε ~ N(0, 1) per sample, adds the batch mean of the surrogate with
    `add_loss`, and returns the logits unchanged; in inference it only
    returns the logits.

    Formula: see `kzoo.losses.EnsLoss`:

    ```
    loss = mean_i g_i · (2y_i − 1) f_i,   g = calibrated sampled derivatives
    ```

    On PyTorch with `jit_compile=True`, Keras 3.15.1 invalidates the
    compiled train step after every call of a layer that uses `add_loss`, so
    each step recompiles (measured: minutes for a two-step fit on a loaded
    2-core CPU). Train with `jit_compile=False` on torch.

    Args:
        boxcox_lambda: λ of the inverse Box-Cox transform. Defaults to
            `0.0`.
        seed: seed of the layer's generator. Defaults to `None`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:

    ```python
    x_in = keras.Input((d,))
    y_in = keras.Input(())
    logits = keras.layers.Dense(1)(keras.layers.Dense(32, "relu")(x_in))
    out = kzoo.layers.EnsLossHead(seed=0)([logits, y_in])
    train_model = keras.Model([x_in, y_in], out)
    train_model.compile(optimizer="sgd")          # the loss is the add_loss
    train_model.fit([x, y], epochs=20, batch_size=128)
    predictor = keras.Model(x_in, logits)
    ```

    References:
        - [Dai et al., 2025](https://openreview.net/forum?id=wP8meX6uJC),
          EnsLoss: Stochastic Calibrated Loss Ensembles for Preventing
          Overfitting in Classification (ICML 2025).
    """

    def __init__(self, boxcox_lambda=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.boxcox_lambda = check_number("boxcox_lambda", boxcox_lambda)
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int)
        ):
            raise ValueError(
                f"`seed` must be an integer or None. Received: seed={seed!r}"
            )
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.built = True

    def call(self, inputs, training=None):
        logits, labels = inputs
        if training:
            scores = ops.reshape(ops.cast(logits, "float32"), (-1,))
            labels = ops.reshape(ops.cast(labels, "float32"), (-1,))
            noise = keras.random.normal(
                ops.shape(scores), dtype="float32", seed=self.seed_generator
            )
            values = ens_loss_values(labels, scores, noise, self.boxcox_lambda)
            self.add_loss(ops.mean(values))
        return logits

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        config = super().get_config()
        config.update(boxcox_lambda=self.boxcox_lambda, seed=self.seed)
        return config

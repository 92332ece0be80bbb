"""`PseudoNegativeSampler`: the Gaussian pseudo-negative sampler of Hyp-OC
(Narayan & Patel, 2024)."""

import keras
from keras import ops

from kzoo._validation import check_non_negative
from kzoo.api_export import kzoo_export


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

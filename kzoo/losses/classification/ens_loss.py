"""EnsLoss: ensembles of random calibrated loss derivatives (Dai et al.)."""

import keras
from keras import ops

from kzoo._validation import check_number
from kzoo.api_export import kzoo_export
from kzoo.backend import carries_state_between_steps
from kzoo.losses.inputs import BinaryTargetsAndScores
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin


def inverse_box_cox(t, lam):
    """`exp(t)` for λ = 0, else `max(1 + λt, 0)^(1/λ)`."""
    if lam == 0.0:
        return ops.exp(t)
    return ops.power(ops.maximum(1.0 + lam * t, 0.0), 1.0 / lam)


def ens_loss_values(labels, logits, noise, boxcox_lambda=0.0):
    """Per-sample surrogate `g_i · z_i` (see `EnsLoss`); float inputs `[B]`."""
    margins = (2.0 * labels - 1.0) * logits
    derivatives = -inverse_box_cox(ops.stop_gradient(noise), boxcox_lambda)
    derivatives = ops.maximum(ops.sort(derivatives), -1.0)
    fixed = ops.stop_gradient(margins)
    rank = ops.argsort(ops.argsort(fixed))
    g = ops.take(derivatives, rank, axis=0)
    g = ops.where(fixed > 1.0, g / ops.maximum(fixed, 1.0), g)
    g = ops.stop_gradient(g) - 1e-6
    return g * margins


@kzoo_export("kzoo.losses.EnsLoss")
class EnsLoss(Loss):
    """EnsLoss: a random calibrated convex loss per batch, given by its
    derivative.

    EnsLoss never writes a loss down. For each batch it draws `B` random
    loss-derivative values, makes them those of a convex, classification-
    calibrated margin loss (negative, non-decreasing in the margin,
    `φ'(0) < 0`) and returns a surrogate whose gradient with respect to each
    margin is that sampled derivative. Training thus sees a different loss
    from an ensemble of calibrated losses at every step, which the paper finds
    to overfit less than a fixed loss. The value itself carries no meaning
    (it is not a loss to monitor); only its gradient matters.

    Formula (binary labels y ∈ {0, 1}, logits f, margins z_i = (2y_i − 1)·f_i,
    Box-Cox parameter λ, noise ε_i ~ N(0, 1)):

    ```
    BC⁻¹_λ(t) = exp(t) if λ = 0 else max(1 + λt, 0)^{1/λ}
    d = max(sort_ascending(−BC⁻¹_λ(ε)), −1)       sampled derivatives in [−1, 0)
    g_i = d_{rank(z_i)}                           smaller margin, steeper loss
    g_i ← g_i / z_i  where z_i > 1                super-linear tail decay
    g_i ← stop_gradient(g_i) − 1e-6               strictly negative: calibrated
    loss_i = g_i · z_i          so ∂loss_i/∂f_i = (2y_i − 1)·g_i
    ```

    Inputs: `y_pred` holds one logit per sample (`[B]` or `[B, 1]`);
    `y_true` holds the labels `[B]` (or `[B, 1]`), or `[B, 2]` rows
    `(label, ε)` that carry the noise.

    Randomness. Where the noise comes from decides reproducibility:

    - `y_true` of shape `[B, 2]` holding `(label, ε)`: the noise is data, the
      loss is stateless and reproducible on every backend and under `jit`.
    - `y_true` of labels only: ε is drawn from this loss's own
      `keras.random.SeedGenerator(seed)`. That works eagerly and in custom
      loops on TensorFlow and PyTorch, but a `Loss` is not tracked state in
      `fit`: under JAX the generator's update would be dropped and every
      step would draw the same ε, so there the loss raises a `ValueError`
      instead. Inside `fit`, prefer `kzoo.layers.EnsLossHead`,
      which owns its generator as layer state (advanced and saved by every
      backend's trainer), or pass ε in `y_true`.

    The official code redraws λ ~ U(−1, 1) every `period` epochs (default:
    never, λ = 0); do that with a callback that rebuilds the loss, or keep
    λ fixed.

    Args:
        boxcox_lambda: λ of the inverse Box-Cox transform. `0` gives
            log-normal derivative magnitudes. Defaults to `0.0`.
        seed: seed of the loss's own generator (used only when `y_true`
            carries no noise). Defaults to `None`.
        {{loss_args}}

    Example:

    ```python
    eps = np.random.default_rng(0).normal(size=len(y))
    model.compile(optimizer="sgd", loss=kzoo.losses.EnsLoss())
    model.fit(x, np.stack([y, eps], 1))     # noise fed through the data
    ```

    References:
        - [Dai et al., 2025](https://openreview.net/forum?id=wP8meX6uJC),
          EnsLoss: Stochastic Calibrated Loss Ensembles for Preventing
          Overfitting in Classification (ICML 2025). Official code:
          https://github.com/statmlben/ensLoss
    """

    input_kind = BinaryTargetsAndScores()

    def __init__(
        self,
        boxcox_lambda=0.0,
        seed=None,
        name="ens_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.boxcox_lambda = check_number("boxcox_lambda", boxcox_lambda)
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int)
        ):
            raise ValueError(
                f"`seed` must be an integer or None. Received: seed={seed!r}"
            )
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, y_true, logits):
        if len(y_true.shape) == 2 and y_true.shape[-1] == 2:
            labels = ops.cast(y_true[:, 0], self.dtype)
            noise = ops.cast(y_true[:, 1], self.dtype)
        else:
            labels = ops.cast(y_true, self.dtype)
            self._check_generator_is_carried()
            noise = keras.random.normal(
                ops.shape(logits), dtype=self.dtype, seed=self.seed_generator
            )
        return ens_loss_values(labels, logits, noise, self.boxcox_lambda)

    def _check_generator_is_carried(self):
        # JAX's trainer runs the step in a StatelessScope that maps only the
        # model's variables; a Loss's generator state is not among them, so
        # its update would be dropped and every step would repeat the noise.
        if not carries_state_between_steps(self.seed_generator.state):
            raise ValueError(
                "EnsLoss cannot draw its own noise here: under JAX, `fit` "
                "does not carry a Loss's random generator between steps, so "
                "every step would reuse the same noise. Use "
                "`kzoo.layers.EnsLossHead` (layer-owned generator) or pass "
                "the noise in `y_true` as `[label, eps]` columns. "
                "Received: y_true without noise, in JAX's stateless "
                "training step"
            )


ens_loss = kzoo_export("kzoo.losses.ens_loss")(
    functional_twin(EnsLoss, "ens_loss")
)

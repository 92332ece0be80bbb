"""DBPM: per-sample loss memory that finds and down-weights bad positive
pairs (noisy and faulty views) in time-series contrastive learning."""

import math

import keras
import numpy as np
from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import check_integer
from kzoo._validation import check_non_negative
from kzoo.api_export import kzoo_export

_WEIGHTS = ("pdf", "pdf_normalized")
_HISTORIES = ("paper", "code")


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {choices}. Received: {name}={value!r}"
        )
    return value


def _check_count(name, value, minimum):
    check_integer(name, value)
    if value < minimum:
        raise ValueError(
            f"`{name}` must be an integer >= {minimum}. "
            f"Received: {name}={value!r}"
        )
    return value


@kzoo_export("kzoo.layers.DBPMReweight")
class DBPMReweight(keras.layers.Layer):
    """Dynamic Bad Pair Mining (DBPM): re-weight per-sample contrastive losses
    by each positive pair's loss history.

    A time-series augmentation can produce a *noisy* positive pair (the two
    views are nearly identical: the loss is suspiciously small) or a *faulty*
    one (the views no longer share semantics: the loss stays large). DBPM
    keeps, for each training sample (by its dataset index), the mean of its
    per-epoch losses; from `warm_epochs` on, at the start of every epoch,
    samples whose mean lies more than `cut_np` standard deviations below the
    population mean are flagged noisy and those more than `cut_fp` above
    flagged faulty. A flagged pair's loss is multiplied by a Gaussian density
    of its current (detached) loss around the population mean.

    Formula (L_i the current per-sample loss, e the epoch, E `max_epochs`):

    ```
    history:  m_i = mean_{e'<e} L_i^{(e')}                  ("paper")
              m_i = mean_{e'<e} L_i^{(e')}·(e'+1)/E          ("code")
    μ = mean_i m_i,  σ = std_i m_i  (population)
    NP = {i : m_i ≤ μ − cut_np·σ},  FP = {i : m_i ≥ μ + cut_fp·σ}
    w_i = N(sg(L_i); μ, σ) = exp(−(L_i − μ)²/2σ²) / (σ√(2π))   ("pdf")
    w_i = exp(−(L_i − μ)²/2σ²)                          ("pdf_normalized")
    out_i = w_i·L_i  for i ∈ NP ∪ FP,  L_i otherwise
    ```

    The paper calls the weight a value in (0, 1), but the Gaussian density
    it writes (and the code uses) is not bounded by 1: with σ = 0.05 the
    weight at μ is 7.98. `weight="pdf_normalized"` scales it by σ√(2π) into
    (0, 1]. The paper averages the history plainly, the official code
    weights epoch e' by (e'+1)/E (and still divides by the count): both are
    offered. The memory is O(N) (a running sum and count per sample), not
    the N×E table of the official code.

    State lives in non-trainable variables (updated with `assign`, so it
    survives `jit_compile` on every backend); `kzoo.callbacks.DBPMCallback`
    calls `update_thresholds(epoch)` at the start of each epoch. The history
    is recorded only when the layer is called with `training=True`.

    Inputs: `[per_sample_loss (B,), sample_index (B,) int]`. Output: the
    re-weighted per-sample losses `(B,)`. With `add_loss=True` (default) the
    layer also adds their mean to the model's losses, so the model can be
    compiled without a loss.

    Args:
        num_samples: N, the size of the training set (indices in
            `[0, N)`).
        warm_epochs: epochs before mining starts. Defaults to `50`.
        max_epochs: E of the "code" history weighting. Defaults to `80`.
        cut_np: noisy-pair threshold in standard deviations. Defaults to
            `2.0`.
        cut_fp: faulty-pair threshold in standard deviations. Defaults to
            `3.0`.
        weight: `"pdf"` (paper and code) or `"pdf_normalized"`. Defaults to
            `"pdf"`.
        history: `"paper"` or `"code"`. Defaults to `"paper"`.
        add_loss: add the mean of the output to the model losses. Defaults
            to `True`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:

    ```python
    losses = PerSampleNTXent()([z1, z2])              # (B,) InfoNCE
    weighted = kzoo.layers.DBPMReweight(len(x_train), warm_epochs=5)(
        [losses, index_input])
    model = keras.Model([x1, x2, index_input], weighted)
    model.compile("adam")
    model.fit([v1, v2, np.arange(n)], epochs=20,
              callbacks=[kzoo.callbacks.DBPMCallback()])
    ```

    References:
        - Lan, Yan, Hong, Feng, *Towards enhancing time series contrastive
          learning: a dynamic bad pair mining approach*, ICLR 2024; code
          https://github.com/lanxiang1017/DynamicBadPairMining_ICLR24.
    """

    def __init__(
        self,
        num_samples,
        warm_epochs=50,
        max_epochs=80,
        cut_np=2.0,
        cut_fp=3.0,
        weight="pdf",
        history="paper",
        add_loss=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_samples = _check_count("num_samples", num_samples, 1)
        self.warm_epochs = _check_count("warm_epochs", warm_epochs, 0)
        self.max_epochs = _check_count("max_epochs", max_epochs, 1)
        self.cut_np = check_non_negative("cut_np", cut_np)
        self.cut_fp = check_non_negative("cut_fp", cut_fp)
        self.weight = _check_choice("weight", weight, _WEIGHTS)
        self.history = _check_choice("history", history, _HISTORIES)
        self.add_loss_ = check_bool("add_loss", add_loss)
        n = self.num_samples

        def state(name, shape):
            return self.add_weight(
                name=name,
                shape=shape,
                initializer="zeros",
                dtype="float32",
                trainable=False,
                autocast=False,
            )

        self.loss_sum = state("loss_sum", (n,))
        self.loss_count = state("loss_count", (n,))
        self.flags = state("flags", (n,))  # 1 noisy, 2 faulty
        self.mu = state("mu", ())
        self.sigma = state("sigma", ())
        self.epoch = state("epoch", ())
        self.active = state("active", ())
        self.built = True

    def pair_weights(self, losses, flags):
        """The DBPM weights for `losses` with the given per-sample flags."""
        losses = ops.convert_to_tensor(losses, "float32")
        flags = ops.convert_to_tensor(flags, "float32")
        sigma = ops.maximum(self.sigma, 1e-12)
        z = (ops.stop_gradient(losses) - self.mu) / sigma
        w = ops.exp(-0.5 * ops.square(z))
        if self.weight == "pdf":
            w = w / (sigma * math.sqrt(2.0 * math.pi))
        bad = ops.logical_and(ops.greater(flags, 0), self.active > 0)
        return ops.where(bad, w, 1.0)

    def call(self, inputs, training=None):
        losses, index = inputs
        losses = ops.reshape(ops.cast(losses, "float32"), (-1,))
        index = ops.reshape(ops.cast(index, "int32"), (-1, 1))
        if training:
            scale = 1.0
            if self.history == "code":
                scale = (self.epoch + 1.0) / float(self.max_epochs)
            shape = (self.num_samples,)
            recorded = ops.stop_gradient(losses) * scale
            self.loss_sum.assign(
                self.loss_sum + ops.scatter(index, recorded, shape)
            )
            self.loss_count.assign(
                self.loss_count
                + ops.scatter(index, ops.ones_like(losses), shape)
            )
        flags = ops.take(self.flags, index[:, 0])
        out = self.pair_weights(losses, flags) * losses
        if self.add_loss_:
            self.add_loss(ops.mean(out))
        return out

    def update_thresholds(self, epoch):
        """Set the epoch; from `warm_epochs` on, recompute μ, σ and the
        noisy/faulty flags from the history (eagerly, on the host)."""
        self.epoch.assign(float(epoch))
        if epoch < self.warm_epochs:
            self.active.assign(0.0)
            return
        total = np.asarray(ops.convert_to_numpy(self.loss_sum), "float64")
        count = np.asarray(ops.convert_to_numpy(self.loss_count), "float64")
        seen = count > 0
        if not seen.any():
            return
        m = total[seen] / count[seen]
        mu, sigma = m.mean(), m.std()
        means = np.where(seen, total / np.maximum(count, 1.0), mu)
        flags = np.zeros(self.num_samples, "float32")
        flags[seen & (means <= mu - self.cut_np * sigma)] = 1.0
        flags[seen & (means >= mu + self.cut_fp * sigma)] = 2.0
        if sigma <= 0:
            flags[:] = 0.0
        self.mu.assign(float(mu))
        self.sigma.assign(float(sigma))
        self.flags.assign(flags)
        self.active.assign(1.0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0],)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_samples=self.num_samples,
            warm_epochs=self.warm_epochs,
            max_epochs=self.max_epochs,
            cut_np=self.cut_np,
            cut_fp=self.cut_fp,
            weight=self.weight,
            history=self.history,
            add_loss=self.add_loss_,
        )
        return config

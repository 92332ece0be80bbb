"""iSogCLR: global contrastive loss with individualized temperatures."""

import math

import keras
from keras import ops

from kzoo._validation import check_integer
from kzoo._validation import check_non_negative
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.api_export import renamed_argument
from kzoo.ops.norms import l2_normalize

SCHEDULES = ("constant", "cosine")


def _unit_interval(name, value, closed_low=False):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and (0 <= value <= 1 if closed_low else 0 < value <= 1)
    if not ok:
        interval = "[0, 1]" if closed_low else "(0, 1]"
        raise ValueError(
            f"`{name}` must be a number in {interval}. "
            f"Received: {name}={value!r}"
        )
    return float(value)


@kzoo_export("kzoo.layers.ISogCLR")
class ISogCLR(keras.layers.Layer):
    """iSogCLR: global contrastive loss with a temperature per sample.

    A layer, not a loss, because it keeps per-sample state indexed by the
    dataset id of each example: the moving average `u` of each anchor's
    negative-pair partition function, the individualized temperature `τ` and
    its momentum `m`, all non-trainable `(num_samples,)` variables
    (`u`, `temperature`, `temperature_momentum`) updated
    with `scatter_update` during training. Called on
    `(view1, view2, sample_index)`; it adds the mean surrogate loss with
    `add_loss` and returns the per-sample surrogate `[B]`.

    Formula (LibAUC `GCLoss_v1`, unimodal, `enable_isogclr=True`; cosine
    similarities `s` of the normalized views, for anchor `i` of view `a`
    the 2(B − 1) negatives are the other samples of both views):

    ```
    g_i = Σ_{j∈N_i} exp(s_ij/τ_i) / (2(B−1))
    u_i ← (1 − γ)·u_i + γ·g_i           (per direction; stored: the mean)
    p_ij = stop_grad(exp(s_ij/τ_i) / max(u_i, ε))
    ℓ_i^a = −s_ii^{ab} + Σ_{j∈N_i} p_ij·s_ij / (2(B−1));  ℓ_i = ℓ_i^a + ℓ_i^b
    loss = mean_i ℓ_i                   (a surrogate: its gradient is the
                                          RGCL gradient, not its value)
    temperature step (no autograd), averaged over the two directions:
    G_i = log u_i + ρ − Σ_{j∈N_i} p_ij·(s_ij/τ_i) / (2(B−1))
    m_i ← (1 − β)·m_i + β·G_i;   τ_i ← clip(τ_i − η·m_i, τ_min, τ_max)
    ```

    This minimizes the robust global contrastive loss (RGCL)
    `(1/n) Σ_i τ_i log E_{z∈S_i⁻} exp(h_i(z)/τ_i) + τ_i ρ` over the network
    and the temperatures. γ is 1 on the first visit (when `u[index]` is all
    zero) and `gamma` after that (`gamma_schedule="constant"`); call
    `adjust_gamma(epoch)` at each epoch start (e.g. from a
    `keras.callbacks.LambdaCallback`) for LibAUC's per-epoch schedule,
    including `"cosine"` (from 1 down to `gamma` over `gamma_decay_epochs`).

    Paper vs code: the paper tracks `exp(h_ij/τ_i)` with `h_ij = s_ij −
    s_ii`; LibAUC (followed here) tracks `exp(s_ij/τ_i)`. The gradients at a
    step agree, but with γ < 1 the two moving averages differ. State updates
    and gradients equal LibAUC 2.0.1 `GCLoss(mode="unimodal",
    enable_isogclr=True)` (tested on every backend); its defaults are used
    (the official unimodal script uses rho 0.4, gamma 0.8, eta 0.03). Keep
    `temperature_min` above about 0.012: `exp(1/τ)` must not overflow float32.
    Sample ids within a batch must be distinct (a repeated id's update is
    backend-dependent). No cross-replica gathering yet: under data
    parallelism each replica sees its local batch.

    Args:
        num_samples: dataset size `n`; ids must lie in `[0, n)`.
        temperature_init: initial temperature of every sample (formerly
            `tau_init`, still accepted with a `DeprecationWarning`).
            Defaults to `0.1`.
        gamma: moving-average weight of the new estimate. Defaults to
            `0.9`.
        rho: the RGCL constraint weight `ρ`. Defaults to `0.3`.
        eta: temperature step size. Defaults to `0.01`.
        beta: momentum weight of the new temperature gradient. Defaults to
            `0.9`.
        temperature_min: lower bound of the temperatures (formerly
            `tau_min`). Defaults to `0.05`.
        temperature_max: upper bound of the temperatures (formerly
            `tau_max`). Defaults to `0.7`.
        eps: lower bound of `u` in the weights. Defaults to `1e-8`.
        gamma_schedule: `"constant"` or `"cosine"`. Defaults to
            `"constant"`.
        gamma_decay_epochs: epochs of the cosine decay (required for
            `"cosine"`). Defaults to `None`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:

    ```python
    v1, v2 = keras.Input((32,)), keras.Input((32,))
    ids = keras.Input((), dtype="int32")
    enc = keras.layers.Dense(16)
    per_sample = kzoo.layers.ISogCLR(num_samples=50000)(
        [enc(v1), enc(v2), ids])
    model = keras.Model([v1, v2, ids], per_sample)
    model.compile(optimizer="adam")  # the layer adds its loss
    ```

    References:
        - [Qiu et al., 2023](https://arxiv.org/abs/2305.11965), Not All
          Semantics are Created Equal: Contrastive Self-supervised Learning
          with Automatic Temperature Individualization, ICML 2023.
        - [Yuan et al., 2022](https://arxiv.org/abs/2202.12387), Provable
          Stochastic Optimization for Global Contrastive Learning (SogCLR).
    """

    def __init__(
        self,
        num_samples,
        temperature_init=0.1,
        gamma=0.9,
        rho=0.3,
        eta=0.01,
        beta=0.9,
        temperature_min=0.05,
        temperature_max=0.7,
        eps=1e-8,
        gamma_schedule="constant",
        gamma_decay_epochs=None,
        **kwargs,
    ):
        temperature_init = renamed_argument(
            kwargs, "tau_init", "temperature_init", temperature_init, 0.1
        )
        temperature_min = renamed_argument(
            kwargs, "tau_min", "temperature_min", temperature_min, 0.05
        )
        temperature_max = renamed_argument(
            kwargs, "tau_max", "temperature_max", temperature_max, 0.7
        )
        super().__init__(**kwargs)
        self.num_samples = check_integer("num_samples", num_samples)
        if num_samples < 1:
            raise ValueError(
                "`num_samples` must be at least 1. "
                f"Received: num_samples={num_samples}"
            )
        self.temperature_init = check_positive(
            "temperature_init", temperature_init
        )
        self.gamma = _unit_interval("gamma", gamma)
        self.rho = check_non_negative("rho", rho)
        self.eta = check_positive("eta", eta)
        self.beta = _unit_interval("beta", beta)
        self.temperature_min = check_positive(
            "temperature_min", temperature_min
        )
        self.temperature_max = check_positive(
            "temperature_max", temperature_max
        )
        if (
            not self.temperature_min
            <= self.temperature_init
            <= self.temperature_max
        ):
            raise ValueError(
                "`temperature_init` must lie in [temperature_min, "
                "temperature_max]. Received: "
                f"temperature_init={temperature_init}, "
                f"temperature_min={temperature_min}, "
                f"temperature_max={temperature_max}"
            )
        self.eps = check_positive("eps", eps)
        if gamma_schedule not in SCHEDULES:
            raise ValueError(
                "Invalid value for argument `gamma_schedule`. Expected one of "
                f"{SCHEDULES}. Received: gamma_schedule={gamma_schedule!r}"
            )
        if gamma_schedule == "cosine" and (
            gamma_decay_epochs is None
            or check_integer("gamma_decay_epochs", gamma_decay_epochs) < 1
        ):
            raise ValueError(
                "`gamma_decay_epochs` must be a positive integer with the "
                "cosine schedule. "
                f"Received: gamma_decay_epochs={gamma_decay_epochs!r}"
            )
        self.gamma_schedule = gamma_schedule
        self.gamma_decay_epochs = gamma_decay_epochs
        n = (self.num_samples,)
        self.u = self._state("u", n, "zeros")
        self.temperature = self._state(
            "temperature", n, keras.initializers.Constant(self.temperature_init)
        )
        self.temperature_momentum = self._state(
            "temperature_momentum", n, "zeros"
        )
        self.current_gamma = self._state("current_gamma", (), "ones")
        self.built = True  # all state exists already; no input-shaped weights

    @property
    def tau(self):
        """Deprecated: `temperature`, the per-sample temperatures."""
        return self._deprecated_state("tau", "temperature")

    @property
    def tau_momentum(self):
        """Deprecated: `temperature_momentum`."""
        return self._deprecated_state("tau_momentum", "temperature_momentum")

    def _deprecated_state(self, old, new):
        import warnings

        warnings.warn(
            f"`ISogCLR.{old}` is deprecated and will be removed in the next "
            f"release; use `ISogCLR.{new}`.",
            DeprecationWarning,
            stacklevel=3,
        )
        return getattr(self, new)

    def _state(self, name, shape, initializer):
        return self.add_weight(
            name=name,
            shape=shape,
            initializer=initializer,
            dtype="float32",
            trainable=False,
            autocast=False,  # float32 state, also under mixed precision
        )

    def adjust_gamma(self, epoch):
        """Set γ for `epoch` following LibAUC's schedule (call per epoch)."""
        if self.gamma_schedule == "constant":
            value = 1.0 if epoch == 0 else self.gamma
        elif epoch < self.gamma_decay_epochs:
            cos = math.cos(math.pi * epoch / self.gamma_decay_epochs)
            value = (1.0 - self.gamma) * 0.5 * (1.0 + cos) + self.gamma
        else:
            value = self.gamma
        self.current_gamma.assign(value)
        return value

    def _direction(
        self, s_pos, s_cross, s_same, temperature, gamma, u_old, denom
    ):
        """One direction (anchor view a vs keys of both views)."""
        b = ops.shape(s_cross)[0]
        off = 1.0 - ops.eye(b, dtype="float32")
        logits = ops.concatenate([s_cross, s_same], axis=1)
        neg = ops.concatenate([off, off], axis=1)
        e = ops.exp(logits / temperature) * neg
        u_new = (1.0 - gamma) * u_old + gamma * ops.sum(e, axis=1) / denom
        u_new = ops.stop_gradient(u_new)
        p = ops.stop_gradient(e / ops.maximum(u_new, self.eps)[:, None])
        loss = -(s_pos - ops.sum(p * logits, axis=1) / denom)
        scaled = ops.stop_gradient(logits / temperature)
        grad_temperature = (
            ops.log(ops.maximum(u_new, self.eps))
            + self.rho
            - ops.sum(p * scaled, axis=1) / denom
        )
        return loss, u_new, grad_temperature

    def call(self, inputs, training=None):
        h1, h2, index = inputs
        h1 = l2_normalize(ops.cast(h1, "float32"))
        h2 = l2_normalize(ops.cast(h2, "float32"))
        idx = ops.reshape(ops.cast(index, "int32"), (-1,))
        b = ops.shape(h1)[0]
        denom = ops.maximum(2.0 * (ops.cast(b, "float32") - 1.0), 1.0)
        temperature_i = ops.take(self.temperature, idx)
        u_old = ops.take(self.u, idx)
        gamma = ops.convert_to_tensor(self.current_gamma)
        if self.gamma_schedule == "constant":
            first_visit = ops.equal(ops.sum(u_old), 0.0)
            gamma = ops.where(
                ops.greater(gamma, self.gamma),
                ops.where(first_visit, 1.0, self.gamma),
                gamma,
            )
        s_ab = ops.matmul(h1, ops.transpose(h2))
        s_aa = ops.matmul(h1, ops.transpose(h1))
        s_bb = ops.matmul(h2, ops.transpose(h2))
        s_pos = ops.sum(h1 * h2, axis=1)
        temperature = temperature_i[:, None]
        loss_a, u1, g1 = self._direction(
            s_pos, s_ab, s_aa, temperature, gamma, u_old, denom
        )
        loss_b, u2, g2 = self._direction(
            s_pos, ops.transpose(s_ab), s_bb, temperature, gamma, u_old, denom
        )
        if training:
            m_old = ops.take(self.temperature_momentum, idx)
            m_new = (1.0 - self.beta) * m_old + self.beta * 0.5 * (g1 + g2)
            temperature_new = ops.clip(
                temperature_i - self.eta * m_new,
                self.temperature_min,
                self.temperature_max,
            )
            rows = idx[:, None]
            self.u.assign(ops.scatter_update(self.u, rows, 0.5 * (u1 + u2)))
            self.temperature_momentum.assign(
                ops.scatter_update(self.temperature_momentum, rows, m_new)
            )
            self.temperature.assign(
                ops.scatter_update(self.temperature, rows, temperature_new)
            )
        per_sample = loss_a + loss_b
        self.add_loss(ops.mean(per_sample))
        return per_sample

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0],)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_samples=self.num_samples,
            temperature_init=self.temperature_init,
            gamma=self.gamma,
            rho=self.rho,
            eta=self.eta,
            beta=self.beta,
            temperature_min=self.temperature_min,
            temperature_max=self.temperature_max,
            eps=self.eps,
            gamma_schedule=self.gamma_schedule,
            gamma_decay_epochs=self.gamma_decay_epochs,
        )
        return config

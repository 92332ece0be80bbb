"""Robust self-supervised (RSS) training with out-of-domain unlabeled data
(Saberi et al., ICLR 2024)."""

from keras import ops

from kzoo._validation import check_integer
from kzoo._validation import check_non_negative
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.backend import value_and_grads
from kzoo.training.gradient_step_model import GradientStepModel

PSEUDO_LABELS = ("argmax", "sign", "threshold")


def _pseudo_label(y_pred, mode):
    y_pred = ops.cast(y_pred, "float32")
    if mode == "argmax":
        return ops.argmax(y_pred, axis=-1)
    if mode == "sign":
        return ops.where(y_pred >= 0, 1.0, -1.0)
    return ops.cast(y_pred > 0, "float32")


def _sq_cost(z, x):
    axes = tuple(range(1, len(z.shape)))
    return ops.sum(ops.square(z - x), axis=axes)


@kzoo_export("kzoo.training.RobustSelfTrainingModel")
class RobustSelfTrainingModel(GradientStepModel):
    """RSS: distributionally robust training on labeled in-domain data plus
    out-of-domain unlabeled data with the model's own pseudo-labels.

    Each sample's loss is replaced by its Wasserstein-robust surrogate (the
    Lagrangian "WRM" form with squared transport cost), and unlabeled
    samples enter with stop-gradient pseudo-labels from the current model:

    Formula:

    ```
    φ_γ(x, y; θ) = sup_z  ℓ(z, y; θ) − γ‖z − x‖²
    L(θ) = (1/m) Σ_i φ_γ(x_i, y_i; θ)
           + λ·(1/n) Σ_j φ_γ'(x'_j, sg[ŷ(x'_j)]; θ)
    ```

    The inner sup is approximated by `inner_steps` gradient-ascent steps
    from z = x with step `inner_step_size` (default `1/(2γ)`, which makes
    each step the fixed-point update `z ← x + ∇ℓ(z)/(2γ)` of the
    optimality condition; it converges when ℓ is less than 2γ-smooth in z).
    The outer gradient is taken at the maximizer held fixed (Danskin's
    theorem). Pseudo-labels ŷ(x') are computed on clean x' in inference
    mode before the inner ascent and never differentiated: `"argmax"`
    (integer class ids, for sparse categorical losses), `"sign"` (±1, for
    margin / squared losses on one score) or `"threshold"` (1[score > 0],
    for binary cross-entropy on logits). γ → ∞ recovers ERM plus λ times
    self-training.

    Data: `fit(x=(x_labeled, x_unlabeled), y=y_labeled)` with equally many
    rows per batch in both streams (resample the unlabeled set to the
    labeled size, or zip two `tf.data` pipelines); a plain `x` trains
    without the unlabeled term. `predict`/`evaluate` take plain inputs. The
    inner objective is `B·ℓ̄(z) − γΣ‖z_i − x_i‖²` with ℓ̄ the batch-mean
    loss, i.e. per-sample ascent; `sample_weight` weighs the outer objective
    only. Metrics are computed on the clean labeled inputs.

    Args:
        model: a built Keras model.
        loss: the per-sample loss ℓ, batch-averaged. Defaults to `"mse"`.
        gamma: γ for labeled data (positive). Defaults to `1.0`.
        gamma_unlabeled: γ' for unlabeled data; `None` uses `gamma`.
            Defaults to `None`.
        unlabeled_weight: λ. Defaults to `1.0`.
        inner_steps: ascent steps (0 gives the non-robust objective).
            Defaults to `10`.
        inner_step_size: ascent step; `None` for `1/(2γ)`. Defaults to
            `None`.
        pseudo_label: `"argmax"`, `"sign"` or `"threshold"`. Defaults to
            `"argmax"`.

    Example:

    ```python
    model = kzoo.training.RobustSelfTrainingModel(
        keras.Sequential([keras.Input((d,)), keras.layers.Dense(1)]),
        loss="mse", gamma=2.0, pseudo_label="sign")
    model.compile(optimizer="sgd")
    model.fit((x_lab, x_unlab), y_lab, batch_size=32)   # y in {−1, +1}
    ```

    References:
        - [Saberi et al., 2024](https://arxiv.org/abs/2310.00027),
          Out-Of-Domain Unlabeled Data Improves Generalization (ICLR 2024).
        - [Sinha et al., 2018](https://arxiv.org/abs/1710.10571), Certifying
          Some Distributional Robustness with Principled Adversarial
          Training (the φ_γ surrogate).
    """

    def __init__(
        self,
        model,
        loss="mse",
        gamma=1.0,
        gamma_unlabeled=None,
        unlabeled_weight=1.0,
        inner_steps=10,
        inner_step_size=None,
        pseudo_label="argmax",
        **kwargs,
    ):
        super().__init__(model, loss, **kwargs)
        self.gamma = check_positive("gamma", gamma)
        self.gamma_unlabeled = (
            None
            if gamma_unlabeled is None
            else check_positive("gamma_unlabeled", gamma_unlabeled)
        )
        self.unlabeled_weight = check_non_negative(
            "unlabeled_weight", unlabeled_weight
        )
        self.inner_steps = check_integer("inner_steps", inner_steps)
        if self.inner_steps < 0:
            raise ValueError(
                "`inner_steps` must be non-negative. "
                f"Received: inner_steps={inner_steps!r}"
            )
        self.inner_step_size = (
            None
            if inner_step_size is None
            else check_positive("inner_step_size", inner_step_size)
        )
        if pseudo_label not in PSEUDO_LABELS:
            raise ValueError(
                f"`pseudo_label` must be one of {PSEUDO_LABELS}. "
                f"Received: pseudo_label={pseudo_label!r}"
            )
        self.pseudo_label = pseudo_label

    def call(self, inputs, training=False):
        return self.model(self._labeled(inputs), training=training)

    def _labeled(self, x):
        return x[0] if isinstance(x, (tuple, list)) else x

    def _split(self, x):
        if isinstance(x, (tuple, list)):
            if len(x) != 2:
                raise ValueError(
                    "`x` must be the labeled inputs or a pair "
                    "(x_labeled, x_unlabeled). "
                    f"Received: a {type(x).__name__} of length {len(x)}"
                )
            return x[0], x[1]
        return x, None

    def robust_inputs(self, trainable, non_trainable, x, y, gamma):
        """The inner maximizer z* of `ℓ(z, y) − γ‖z − x‖²` (no gradient)."""
        x = ops.cast(x, "float32")
        size = self.inner_step_size or 1.0 / (2.0 * gamma)
        batch = ops.cast(ops.shape(x)[0], "float32")

        def objective(args):
            (z,) = args
            y_pred = self.predict_fn(trainable, non_trainable, z)
            value = batch * self.loss_fn(y, y_pred) - gamma * ops.sum(
                _sq_cost(z, x)
            )
            return value, None

        z = x
        for _ in range(self.inner_steps):
            _, (g,), _ = value_and_grads(objective, [z])
            z = z + size * g
        return ops.stop_gradient(z)

    def compute_gradients(self, trainable, non_trainable, x, y, sample_weight):
        x_lab, x_unl = self._split(x)
        x_lab = ops.cast(x_lab, "float32")
        z_lab = self.robust_inputs(
            trainable, non_trainable, x_lab, y, self.gamma
        )
        use_unlabeled = x_unl is not None and self.unlabeled_weight > 0
        if use_unlabeled:
            gamma_u = self.gamma_unlabeled or self.gamma
            x_unl = ops.cast(x_unl, "float32")
            pseudo = ops.stop_gradient(
                _pseudo_label(
                    self.predict_fn(trainable, non_trainable, x_unl),
                    self.pseudo_label,
                )
            )
            z_unl = self.robust_inputs(
                trainable, non_trainable, x_unl, pseudo, gamma_u
            )

        def objective(params):
            y_pred, state = self.stateless_call(
                params, non_trainable, z_lab, training=True
            )
            value = self.loss_fn(y, y_pred, sample_weight) - self.gamma * (
                ops.mean(_sq_cost(z_lab, x_lab))
            )
            if use_unlabeled:
                u_pred, state = self.stateless_call(
                    params, state, z_unl, training=True
                )
                phi_u = self.loss_fn(pseudo, u_pred) - gamma_u * ops.mean(
                    _sq_cost(z_unl, x_unl)
                )
                value = value + self.unlabeled_weight * phi_u
            return value, state

        loss, grads, new_state = value_and_grads(objective, trainable)
        y_pred = self.predict_fn(trainable, non_trainable, x_lab)
        return loss, grads, y_pred, new_state, {}

    def get_config(self):
        config = super().get_config()
        config.update(
            gamma=self.gamma,
            gamma_unlabeled=self.gamma_unlabeled,
            unlabeled_weight=self.unlabeled_weight,
            inner_steps=self.inner_steps,
            inner_step_size=self.inner_step_size,
            pseudo_label=self.pseudo_label,
        )
        return config

"""Smooth adversarial comp-sum training (Mao, Mohri & Zhong, ICML 2023)."""

import keras
from keras import ops

from kzoo._validation import check_integer
from kzoo._validation import check_non_negative
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.backend import value_and_grads
from kzoo.ops.norms import safe_norm
from kzoo.training.gradient_step_model import GradientStepModel


def score_difference_change(logits_adv, logits, labels):
    """`‖Δ_h(x', y) − Δ_h(x, y)‖₂` per sample, with
    `Δ_h(x, y) = (h(x)_y − h(x)_{y'})_{y'}`."""
    d = ops.cast(logits_adv, "float32") - ops.cast(logits, "float32")
    onehot = ops.one_hot(labels, d.shape[-1], dtype=d.dtype)
    d_y = ops.sum(onehot * d, axis=-1, keepdims=True)
    return safe_norm(d_y - d, axis=-1)


def _int_labels(y):
    y = ops.convert_to_tensor(y)
    if len(y.shape) == 2 and y.shape[-1] == 1:
        y = ops.reshape(y, (-1,))
    if len(y.shape) != 1:
        raise ValueError(
            "`y` must hold integer class ids of shape (batch,) or (batch, 1). "
            f"Received: y.shape={tuple(y.shape)}"
        )
    if "float" in str(y.dtype):
        y = ops.round(y)
    return ops.cast(y, "int32")


def _per_sample_norm(t):
    axes = tuple(range(1, len(t.shape)))
    return ops.sqrt(ops.sum(ops.square(t), axis=axes, keepdims=True))


@kzoo_export("kzoo.training.SmoothAdversarialModel")
class SmoothAdversarialModel(GradientStepModel):
    """Smooth adversarial comp-sum training (ADV-COMP-SUM).

    Adds to a classification loss on clean inputs a smoothness regulariser:
    the largest change, within an input ball of radius γ, of the vector of
    score differences `Δ_h(x, y) = (h(x, y) − h(x, y'))_{y'∈[K]}`. The
    supremum is approximated by PGD from a small random start. The paper's
    base loss is the comp-sum loss (`kzoo.losses.CompSumLoss(tau)`, τ = 1
    being cross-entropy); any Keras loss on logits with integer labels
    works.

    Formula:

    ```
    L(h; x, y) = ℓ(h, x, y) + ν · sup_{‖x' − x‖_p ≤ γ} ‖Δ_h(x', y) − Δ_h(x, y)‖₂

    x'_0 = x + σ·N(0, I)
    x'_{t+1} = Π_{B_p(x, γ)}(x'_t + α·s(∇_{x'} ‖Δ_h(x'_t, y) − Δ_h(x, y)‖₂))
    s = sign(·) for p = ∞,  s = ·/‖·‖₂ (per sample) for p = 2
    ```

    PGD runs in inference mode with `h(x)` held fixed; the outer gradient
    flows through both `h(x')` (x' fixed) and `h(x)`, like TRADES with the
    KL term replaced by this ℓ2 distance. Inputs are optionally clipped to
    `input_range` after each step. The paper's exact ν, γ and any logit
    scaling were not confirmed; the defaults follow TRADES' CIFAR-10 PGD
    (ε = 8/255, 10 steps, step 2/255, start σ = 1e-3).

    Args:
        model: a built Keras classifier returning logits `[B, K]`.
        loss: the base loss on logits with integer labels. Defaults to
            `keras.losses.SparseCategoricalCrossentropy(from_logits=True)`
            (comp-sum with τ = 1).
        nu: ν, the regulariser weight. Defaults to `1.0`.
        radius: γ, the perturbation radius. Defaults to `8/255`.
        norm: `"inf"` or `"2"` (the ball's norm). Defaults to `"inf"`.
        steps: PGD steps. Defaults to `10`.
        step_size: α; `None` for `2.5·radius/steps`. Defaults to `None`.
        init_stddev: σ of the random start. Defaults to `1e-3`.
        input_range: `(low, high)` to clip perturbed inputs to, or `None`.
            Defaults to `None`.
        seed: integer seed of the random start. Defaults to `None`.

    Example:

    ```python
    model = kzoo.training.SmoothAdversarialModel(classifier, nu=6.0,
                                                 input_range=(0.0, 1.0))
    model.compile(optimizer="adam", metrics=["sparse_categorical_accuracy"])
    model.fit(images, labels)
    ```

    References:
        - [Mao, Mohri & Zhong, 2023](https://arxiv.org/abs/2304.07288),
          Cross-Entropy Loss Functions: Theoretical Analysis and
          Applications (ICML 2023).
        - [Zhang et al., 2019](https://arxiv.org/abs/1901.08573), TRADES.
    """

    def __init__(
        self,
        model,
        loss=None,
        nu=1.0,
        radius=8 / 255,
        norm="inf",
        steps=10,
        step_size=None,
        init_stddev=1e-3,
        input_range=None,
        seed=None,
        **kwargs,
    ):
        if loss is None:
            loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        super().__init__(model, loss, **kwargs)
        self.nu = check_non_negative("nu", nu)
        self.radius = check_non_negative("radius", radius)
        if norm not in ("inf", "2"):
            raise ValueError(
                f"`norm` must be 'inf' or '2'. Received: norm={norm!r}"
            )
        self.norm = norm
        self.steps = check_integer("steps", steps)
        if self.steps < 0:
            raise ValueError(
                f"`steps` must be non-negative. Received: steps={steps!r}"
            )
        self.step_size = (
            None
            if step_size is None
            else check_positive("step_size", step_size)
        )
        self.init_stddev = check_non_negative("init_stddev", init_stddev)
        if input_range is not None:
            if (
                not isinstance(input_range, (tuple, list))
                or len(input_range) != 2
                or not input_range[0] < input_range[1]
            ):
                raise ValueError(
                    "`input_range` must be None or a pair (low, high) with "
                    f"low < high. Received: input_range={input_range!r}"
                )
            input_range = (float(input_range[0]), float(input_range[1]))
        self.input_range = input_range
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _project(self, x_adv, x):
        delta = x_adv - x
        if self.norm == "inf":
            delta = ops.clip(delta, -self.radius, self.radius)
        else:
            n = _per_sample_norm(delta)
            delta = delta * ops.minimum(
                1.0, self.radius / ops.maximum(n, 1e-12)
            )
        x_adv = x + delta
        if self.input_range is not None:
            x_adv = ops.clip(x_adv, *self.input_range)
        return x_adv

    def adversarial_inputs(self, trainable, non_trainable, x, labels):
        """PGD maximizer x' of the score-difference change (no gradient)."""
        x = ops.cast(x, "float32")
        logits = ops.stop_gradient(self.predict_fn(trainable, non_trainable, x))
        state = self.seed_generator.state
        i = [id(v) for v in self.non_trainable_variables].index(id(state))
        with keras.StatelessScope(
            state_mapping=[(state, non_trainable[i])]
        ) as s:
            noise = keras.random.normal(
                ops.shape(x), stddev=1.0, seed=self.seed_generator
            )
            new_seed = s.get_current_value(state)
        x_adv = self._project(x + self.init_stddev * noise, x)
        size = self.step_size or 2.5 * self.radius / max(self.steps, 1)

        def objective(args):
            (xa,) = args
            out = self.predict_fn(trainable, non_trainable, xa)
            return ops.sum(score_difference_change(out, logits, labels)), None

        for _ in range(self.steps):
            _, (g,), _ = value_and_grads(objective, [x_adv])
            if self.norm == "inf":
                g = ops.sign(g)
            else:
                g = g / ops.maximum(_per_sample_norm(g), 1e-12)
            x_adv = self._project(x_adv + size * g, x)
        return ops.stop_gradient(x_adv), i, new_seed

    def compute_gradients(self, trainable, non_trainable, x, y, sample_weight):
        labels = _int_labels(y)
        x = ops.cast(x, "float32")
        x_adv, seed_index, new_seed = self.adversarial_inputs(
            trainable, non_trainable, x, labels
        )

        def objective(params):
            logits, state = self.stateless_call(
                params, non_trainable, x, training=True
            )
            logits_adv, state = self.stateless_call(
                params, state, x_adv, training=True
            )
            reg = score_difference_change(logits_adv, logits, labels)
            value = self.loss_fn(labels, logits, sample_weight)
            value = value + self.nu * ops.mean(reg)
            return value, (logits, state)

        loss, grads, (y_pred, new_state) = value_and_grads(objective, trainable)
        new_state = list(new_state)
        new_state[seed_index] = new_seed
        return loss, grads, y_pred, new_state, {}

    def get_config(self):
        config = super().get_config()
        config.update(
            nu=self.nu,
            radius=self.radius,
            norm=self.norm,
            steps=self.steps,
            step_size=self.step_size,
            init_stddev=self.init_stddev,
            input_range=self.input_range,
            seed=self.seed,
        )
        return config

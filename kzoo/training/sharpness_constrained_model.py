"""IGNITE: surrogate training under a sharpness (gradient-norm) constraint
(Dao et al., NeurIPS 2024)."""

import keras
from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import check_non_negative
from kzoo._validation import check_number
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.backend import value_and_grads
from kzoo.training.gradient_step_model import GradientStepModel
from kzoo.training.gradient_step_model import global_norm


def _index(variables, target):
    for i, v in enumerate(variables):
        if v is target:
            return i
    raise RuntimeError(f"{target.path} is not among the variables")


@kzoo_export("kzoo.training.SharpnessConstrainedModel")
class SharpnessConstrainedModel(GradientStepModel):
    """IGNITE: fit a surrogate with a bound on its gradient norm.

    For offline (model-based) optimization, a surrogate `h_ω(x)` is fitted on
    an offline dataset and then optimized over `x`. IGNITE constrains the
    norm of the gradient, with respect to the weights, of the surrogate's
    mean prediction on a batch — a sharpness proxy shown to bound the
    surrogate's out-of-distribution error — and solves the constrained fit
    by primal-dual steps with a dual variable λ (a non-trainable weight):

    Formula:

    ```
    min_ω L(ω)   s.t.   ρ‖∇_ω G_B(ω)‖ ≤ ε,    G_B(ω) = mean_{x∈B} h_ω(x)

    g_L = ∇_ω L(ω),   g = ∇_ω G_B(ω)
    ĝ   = ∇_ω G_B(ω + r·g/‖g‖)               (global norm over all weights)
    step  ω ← optimizer(g_L + λ·(ρ/r)·(ĝ − g))  # (ĝ − g)/r ≈ ∇‖∇G_B‖
    dual  λ ← λ + η_λ·(ρ‖g‖ − ε)               (only if dual_update)
    ```

    `(ĝ − g)/r` is a finite-difference Hessian-vector product: it equals
    `H·g/‖g‖ = ∇_ω‖∇_ω G_B‖` exactly when `G_B` is quadratic in ω. As in the
    official code, the dual step is not projected, so λ may become negative.
    `dual_update=False` is IGNITE-2 (λ fixed). λ uses the value before this
    step's dual update. G_B is evaluated in training mode with the same
    random state as the loss pass. The logs add `dual_lambda` (after the
    update) and `sharpness` (ρ‖g‖).

    Defaults are the official command-line defaults; note that the
    official run scripts pass `epsilon=0.1`.

    Args:
        model: the surrogate, a built Keras model.
        loss: its fitting loss (e.g. `"mse"`). Defaults to `"mse"`.
        rho: ρ. Defaults to `0.05`.
        r: finite-difference radius r. Defaults to `0.05`.
        epsilon: ε, the sharpness budget. Defaults to `1e-3`.
        dual_lr: η_λ. Defaults to `1e-3`.
        lambda_init: λ₀. Defaults to `1e-3`.
        dual_update: update λ (IGNITE) or keep it fixed (IGNITE-2).
            Defaults to `True`.

    Example:

    ```python
    surrogate = keras.Sequential([keras.Input((d,)),
                                  keras.layers.Dense(64, activation="relu"),
                                  keras.layers.Dense(1)])
    model = kzoo.training.SharpnessConstrainedModel(surrogate, loss="mse",
                                                    epsilon=0.1)
    model.compile(optimizer="adam")
    model.fit(x_offline, y_offline, epochs=50)
    ```

    References:
        - [Dao et al., 2024](https://openreview.net/forum?id=ag7piyoyut),
          Incorporating Surrogate Gradient Norm to Improve Offline
          Optimization Techniques (NeurIPS 2024).
    """

    def __init__(
        self,
        model,
        loss="mse",
        rho=0.05,
        r=0.05,
        epsilon=1e-3,
        dual_lr=1e-3,
        lambda_init=1e-3,
        dual_update=True,
        **kwargs,
    ):
        super().__init__(model, loss, **kwargs)
        self.rho = check_non_negative("rho", rho)
        self.r = check_positive("r", r)
        self.epsilon = check_non_negative("epsilon", epsilon)
        self.dual_lr = check_non_negative("dual_lr", dual_lr)
        self.lambda_init = check_number("lambda_init", lambda_init)
        self.dual_update = check_bool("dual_update", dual_update)
        self.dual_lambda = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(self.lambda_init),
            trainable=False,
            name="dual_lambda",
            dtype="float32",
        )

    def compute_gradients(self, trainable, non_trainable, x, y, sample_weight):
        def model_loss(params):
            y_pred, new_state = self.stateless_call(
                params, non_trainable, x, training=True
            )
            return self.loss_fn(y, y_pred, sample_weight), (y_pred, new_state)

        def mean_prediction(params):
            y_pred, _ = self.stateless_call(
                params, non_trainable, x, training=True
            )
            outs = keras.tree.flatten(y_pred)
            value = sum(ops.mean(ops.cast(o, "float32")) for o in outs)
            return value / len(outs), None

        loss, g_loss, (y_pred, new_state) = value_and_grads(
            model_loss, trainable
        )
        _, g, _ = value_and_grads(mean_prediction, trainable)
        norm = global_norm(g)
        scale = self.r / ops.maximum(norm, 1e-12)
        perturbed = [
            w + ops.cast(scale, w.dtype) * gi for w, gi in zip(trainable, g)
        ]
        _, g_hat, _ = value_and_grads(mean_prediction, perturbed)
        i = _index(self.non_trainable_variables, self.dual_lambda)
        lam = non_trainable[i]
        coef = lam * (self.rho / self.r)
        grads = [
            gl + ops.cast(coef, gl.dtype) * (gh - gi)
            for gl, gh, gi in zip(g_loss, g_hat, g)
        ]
        sharpness = self.rho * norm
        if self.dual_update:
            lam = lam + self.dual_lr * (sharpness - self.epsilon)
        new_state = list(new_state)
        new_state[i] = ops.cast(lam, "float32")
        extra = {"dual_lambda": new_state[i], "sharpness": sharpness}
        return loss, grads, y_pred, new_state, extra

    def get_config(self):
        config = super().get_config()
        config.update(
            rho=self.rho,
            r=self.r,
            epsilon=self.epsilon,
            dual_lr=self.dual_lr,
            lambda_init=self.lambda_init,
            dual_update=self.dual_update,
        )
        return config

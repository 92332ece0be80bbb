"""Adaptive LDR-KL (ALDR-KL) with a per-sample temperature buffer."""

import math

import keras
from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import check_integer
from kzoo._validation import check_non_negative
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.losses.classification.ldr_kl_loss import check_logit_normalization
from kzoo.losses.classification.ldr_kl_loss import ldr_kl_values
from kzoo.losses.classification.ldr_kl_loss import normalize_logits


@kzoo_export("kzoo.layers.ALDRKL")
class ALDRKL(keras.layers.Layer):
    """Adaptive LDR-KL loss as a layer holding one temperature per sample.

    ALDR-KL lets every training example carry its own KL weight `λ_i`: a
    confidently classified (low-entropy) example gets a smaller `λ_i`, hence a
    sharper, more max-like loss, while an ambiguous one, possibly mislabeled,
    keeps `λ_i` near `λ₀` and a flatter, MAE-like loss. Each time a sample is
    seen its `λ_i` is refreshed by one closed-form step, warm-started from its
    previous value, and stored in a non-trainable `[num_samples]` buffer
    indexed by sample id. A `keras.losses.Loss` cannot carry such state (JAX
    would drop the update), hence a layer.

    Formula (logits f ∈ ℝᴷ after the optional normalization, label y, margin
    c, λ₀ = `temperature`, α = `alpha`):

    ```
    p   = normalize₁(softmax(f / λ_i^{old}) + 1e-5)           (no gradient)
    KL  = Σ_k p_k log(K p_k)
    λ_i = λ₀ − λ₀ · KL / (α log K)     ∈ [λ₀ (1 − 1/α), λ₀]   (stored)
    ℓ_i = λ_i · log((1/K) Σ_k exp((f_k − f_y + c·[k≠y]) / λ_i))
          − (α log K / (2 λ₀)) · (λ_i − λ₀)²
    ```

    `λ_i` maximizes `ψ_λ − (α log K / (2λ₀))(λ − λ₀)²` at fixed `p` (since
    `∂ψ_λ/∂λ = −KL(p* ‖ 1/K)`); the last term is constant in the logits and
    only shifts the value. As in the official `ALDRLoss_V1`, `p` is the
    softmax of the logits without the margin, `λ_i` is computed before the
    loss and carries no gradient, and a batch that repeats a sample id keeps
    the last update. The new `λ_i` is stored only with `training=True` (as in
    `fit`); otherwise it is computed for the loss but not kept.

    Wiring into `fit`: the layer takes `[logits, labels, sample_ids]`, adds
    the batch mean of `ℓ_i` with `add_loss` (unless `add_loss=False`) and
    returns the per-sample losses `[B]`. Give the model the labels and ids as
    inputs and compile without a loss:

    ```python
    x_in = keras.Input((20,))
    y_in = keras.Input((), dtype="int32")
    id_in = keras.Input((), dtype="int32")
    logits = keras.layers.Dense(10)(keras.layers.Dense(64, "relu")(x_in))
    per_sample = kzoo.layers.ALDRKL(num_samples=len(x))(
        [logits, y_in, id_in])
    train_model = keras.Model([x_in, y_in, id_in], per_sample)
    train_model.compile(optimizer="sgd")          # the loss is the add_loss
    train_model.fit([x, y, np.arange(len(x))], epochs=10, batch_size=64)
    predictor = keras.Model(x_in, logits)        # shares the weights
    ```

    On PyTorch with `jit_compile=True`, Keras 3.15.1 invalidates the
    compiled train step after every call of a layer that uses `add_loss`, so
    each step recompiles (measured: minutes for a two-step fit on a loaded
    2-core CPU). Train with `jit_compile=False` on torch.

    Args:
        num_samples: size of the training set; ids must lie in
            `[0, num_samples)`.
        margin: the margin c ≥ 0. Defaults to `0.1` (the paper's runs).
        temperature: λ₀ > 0, the initial and largest `λ_i`. Defaults to
            `10.0` (the paper's runs).
        alpha: α > 1; `λ_i ≥ λ₀ (1 − 1/α)`. Defaults to `2.0` (the paper's
            runs; the official class default, 1, lets `λ_i` reach 0).
        logit_normalization: `None` (raw logits, the paper), `"softplus"` or
            `"l1"` (the official `ALDRLoss_V1`'s default rescaling by the mean
            absolute logit), as in `kzoo.losses.LDRKLLoss`. Defaults to
            `None`.
        add_loss: add the batch mean of the per-sample losses with
            `add_loss`. Defaults to `True`.
        **kwargs: standard `keras.layers.Layer` arguments.

    References:
        - [Zhu, Ying & Yang, 2023](https://proceedings.mlr.press/v202/zhu23e.html),
          Label Distributionally Robust Losses for Multi-class
          Classification: Consistency, Robustness and Adaptivity (ICML
          2023). Official code: https://github.com/Optimization-AI/ICML2023_LDR
    """

    def __init__(
        self,
        num_samples,
        margin=0.1,
        temperature=10.0,
        alpha=2.0,
        logit_normalization=None,
        add_loss=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_samples = check_integer("num_samples", num_samples)
        if num_samples < 1:
            raise ValueError(
                "`num_samples` must be a positive integer. "
                f"Received: num_samples={num_samples!r}"
            )
        self.margin = check_non_negative("margin", margin)
        self.temperature = check_positive("temperature", temperature)
        if (
            not isinstance(alpha, (int, float))
            or isinstance(alpha, bool)
            or (alpha <= 1)
        ):
            raise ValueError(
                "`alpha` must be a number greater than 1. "
                f"Received: alpha={alpha!r}"
            )
        self.alpha = float(alpha)
        self.logit_normalization = check_logit_normalization(
            logit_normalization
        )
        self.use_add_loss = check_bool("add_loss", add_loss)
        self.lambdas = self.add_weight(
            shape=(self.num_samples,),
            initializer=keras.initializers.Constant(self.temperature),
            trainable=False,
            dtype="float32",
            autocast=False,
            name="lambdas",
        )

    def build(self, input_shape):
        self.built = True

    def call(self, inputs, training=None):
        logits, labels, ids = inputs
        logits = ops.cast(logits, "float32")
        num_classes = logits.shape[-1]
        ids = ops.cast(ops.reshape(ids, (-1,)), "int32")
        labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
        targets = ops.one_hot(labels, num_classes, dtype="float32")
        f = normalize_logits(logits, self.logit_normalization)

        log_k = math.log(num_classes)
        old = ops.take(ops.convert_to_tensor(self.lambdas), ids, axis=0)
        fd = ops.stop_gradient(f)
        p = ops.softmax(fd / ops.expand_dims(old, -1), axis=-1) + 1e-5
        p = p / ops.sum(p, axis=-1, keepdims=True)
        kl = ops.sum(p * ops.log(num_classes * p), axis=-1)
        new = self.temperature - self.temperature * kl / (self.alpha * log_k)
        new = ops.stop_gradient(new)
        if training:
            self.lambdas.assign(
                ops.scatter_update(self.lambdas, ops.expand_dims(ids, -1), new)
            )
        penalty = (self.alpha * log_k / (2.0 * self.temperature)) * ops.square(
            new - self.temperature
        )
        losses = ldr_kl_values(targets, f, self.margin, new) - penalty
        if self.use_add_loss:
            self.add_loss(ops.mean(losses))
        return losses

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0],)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_samples=self.num_samples,
            margin=self.margin,
            temperature=self.temperature,
            alpha=self.alpha,
            logit_normalization=self.logit_normalization,
            add_loss=self.use_add_loss,
        )
        return config

"""`GradientStepModel`: one `train_step` for every backend, for methods
whose update needs several gradients (over weights and over inputs) inside
a step. The backend-specific parts are `kzoo.backend`'s."""

import keras
from keras import ops

from kzoo import backend
from kzoo.api_export import kzoo_export


class _FunctionLoss:
    """A loss function (e.g. `keras.losses.get("mse")`) with the `Loss`
    call signature and Keras' default mean reduction."""

    reduction = "sum_over_batch_size"

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, y_true, y_pred, sample_weight=None):
        from kzoo.losses import reduce_loss

        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
        return reduce_loss(self.fn(y_true, y_pred), sample_weight)


def global_norm(tensors):
    """`sqrt(Σ_t ‖t‖²)` over a list of tensors."""
    return ops.sqrt(sum(ops.sum(ops.square(t)) for t in tensors))


@kzoo_export("kzoo.training.GradientStepModel")
class GradientStepModel(keras.Model):
    """Base wrapper for training procedures that need gradients in the step.

    Wraps a built Keras model. `fit` runs one `train_step` per backend (a
    stateless JAX step, a TF step that may be `jit_compile`d, a torch step
    that `torch.compile` may wrap), all of which call the subclass's pure
    `compute_gradients`. Inference (`predict`, `evaluate`, `__call__`) is the
    wrapped model's, and `evaluate` reports the wrapper's `loss` on clean
    inputs.

    Subclasses implement

    ```
    compute_gradients(trainable, non_trainable, x, y, sample_weight)
        -> (loss, grads, y_pred, new_non_trainable, extra_logs)
    ```

    with `trainable`/`non_trainable` the values of `self.trainable_variables`
    / `self.non_trainable_variables`; `self.stateless_call` runs the model on
    any such values, and `kzoo.backend.value_and_grads` differentiates.

    On torch, `jit_compile=True` is accepted but the step runs eagerly
    (`torch.compiler.disable`): `torch.compile` breaks the graph at each
    `torch.autograd.grad` and recompiles for every inner step.

    The base loss is a constructor argument (`loss=`), not a `compile`
    argument: `compile(optimizer=..., metrics=...)` only.

    Args:
        model: the wrapped (built) Keras model.
        loss: a Keras loss (object, name or config) whose reduction averages
            over the batch.
    """

    def __init__(self, model, loss, **kwargs):
        super().__init__(**kwargs)
        if isinstance(model, dict):
            model = keras.saving.deserialize_keras_object(model)
        if not isinstance(model, keras.Model):
            raise ValueError(
                f"`model` must be a keras.Model. Received: model={model!r}"
            )
        self.model = model
        if isinstance(loss, dict):
            loss = keras.saving.deserialize_keras_object(loss)
        self._loss_arg = loss
        loss = keras.losses.get(loss)
        if loss is None:
            raise ValueError(f"`loss` is required. Received: loss={loss!r}")
        if not isinstance(loss, keras.losses.Loss):
            loss = _FunctionLoss(loss)
        if getattr(loss, "reduction", "sum_over_batch_size") not in (
            "sum_over_batch_size",
            "mean",
            "mean_with_sample_weight",
        ):
            raise ValueError(
                "`loss` must average over the batch (reduction "
                "'sum_over_batch_size'). Received: "
                f"reduction={loss.reduction!r}"
            )
        self.base_loss = loss
        if model.built:
            self.built = True

    def call(self, inputs, training=False):
        return self.model(inputs, training=training)

    def compile(self, optimizer="rmsprop", loss=None, **kwargs):
        if loss is not None:
            raise ValueError(
                f"{type(self).__name__} takes its loss in the constructor "
                f"(`loss=`); compile it without one. Received: loss={loss!r}"
            )
        super().compile(optimizer=optimizer, **kwargs)

    def get_compile_config(self):
        return super().get_compile_config()

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(config)
        config.pop("loss", None)
        self.compile(**config)
        if getattr(self, "optimizer", None) is not None and self.built:
            self.optimizer.build(self.trainable_variables)

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        loss = self.base_loss(y, y_pred, sample_weight)
        for extra in self.losses:
            loss = loss + ops.cast(extra, loss.dtype)
        return loss

    def predict_fn(self, trainable, non_trainable, x, training=False):
        """The model on the given variable values (no state update)."""
        y, _ = self.stateless_call(
            trainable, non_trainable, x, training=training
        )
        return y

    def loss_fn(self, y, y_pred, sample_weight=None):
        return ops.cast(self.base_loss(y, y_pred, sample_weight), "float32")

    def compute_gradients(self, trainable, non_trainable, x, y, sample_weight):
        raise NotImplementedError

    # ----------------------------------------------------------- train steps
    def train_step(self, *args):
        if backend.stateless_training():
            return self._stateless_train_step(*args)
        step = self._stateful_train_step
        if self.jit_compile:
            # torch.compile breaks the graph at every torch.autograd.grad and
            # recompiles per input-gradient step: on torch the step runs
            # eagerly (unchanged elsewhere).
            step = backend.eager_on_torch(step)
        return step(*args)

    def _unpack(self, data):
        return keras.utils.unpack_x_y_sample_weight(data)

    def _batch_size(self, x):
        first = next(t for t in keras.tree.flatten(x) if t is not None)
        return ops.shape(first)[0]

    def _stateless_train_step(self, state, data):
        (
            trainable,
            non_trainable,
            optimizer_variables,
            metrics_variables,
        ) = state
        x, y, sample_weight = self._unpack(data)
        loss, grads, y_pred, non_trainable, extra = self.compute_gradients(
            list(trainable), list(non_trainable), x, y, sample_weight
        )
        trainable, optimizer_variables = self.optimizer.stateless_apply(
            optimizer_variables, grads, trainable
        )
        logs, metrics_variables = self._update_metrics_variables(
            metrics_variables,
            loss,
            self._labeled(x),
            y,
            y_pred,
            sample_weight,
        )
        logs = dict(logs)
        logs.update(extra)
        state = (
            trainable,
            non_trainable,
            optimizer_variables,
            metrics_variables,
        )
        return logs, state

    def _stateful_train_step(self, data):
        x, y, sample_weight = self._unpack(data)
        trainable = [v.value for v in self.trainable_variables]
        non_trainable = [v.value for v in self.non_trainable_variables]
        loss, grads, y_pred, non_trainable, extra = self.compute_gradients(
            trainable, non_trainable, x, y, sample_weight
        )
        with backend.no_grad():
            self.optimizer.apply(grads, self.trainable_variables)
            for v, value in zip(self.non_trainable_variables, non_trainable):
                v.assign(value)
        labeled = self._labeled(x)
        self._loss_tracker.update_state(
            loss, sample_weight=self._batch_size(labeled)
        )
        logs = dict(self.compute_metrics(labeled, y, y_pred, sample_weight))
        logs.update(extra)
        return logs

    def _labeled(self, x):
        return x

    def get_config(self):
        config = super().get_config()
        config.update(
            model=keras.saving.serialize_keras_object(self.model),
            loss=self._loss_arg
            if isinstance(self._loss_arg, str)
            else keras.saving.serialize_keras_object(self.base_loss),
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["model"] = keras.saving.deserialize_keras_object(config["model"])
        if isinstance(config["loss"], dict):
            config["loss"] = keras.saving.deserialize_keras_object(
                config["loss"]
            )
        return cls(**config)

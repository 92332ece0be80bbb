"""`kzoo.losses.Loss`: the one base class of every kzoo loss."""

import inspect

import keras

from kzoo._docstrings import fill
from kzoo.api_export import kzoo_export
from kzoo.backend.keras_mask import get_keras_mask
from kzoo.losses.reduction import reduce_loss
from kzoo.losses.reduction import standardize_reduction

# Constructor arguments handled by `Loss` itself.
_BASE_ARGS = ("name", "reduction", "dtype")


def init_parameters(cls):
    """The constructor arguments of `cls` (`inspect.Parameter`s), following
    `**kwargs` up the MRO: a subclass that forwards `**kwargs` inherits its
    parent's arguments."""
    found = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        forwards = False
        for p in inspect.signature(init).parameters.values():
            if p.name == "self" or p.kind is p.VAR_POSITIONAL:
                continue
            if p.kind is p.VAR_KEYWORD:
                forwards = True
            elif p.name not in found:
                found[p.name] = p
        if not forwards:
            break
    return list(found.values())


def option_parameters(cls):
    """The loss-specific constructor arguments (all but name, reduction
    and dtype)."""
    return [p for p in init_parameters(cls) if p.name not in _BASE_ARGS]


def _to_config_value(value):
    if isinstance(value, tuple):
        return [_to_config_value(v) for v in value]
    if hasattr(value, "get_config") and not isinstance(value, type):
        return keras.saving.serialize_keras_object(value)
    return value


def _from_config_value(value):
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        return keras.saving.deserialize_keras_object(value)
    return value


@kzoo_export("kzoo.losses.Loss")
class Loss(keras.losses.Loss):
    """Base class of every kzoo loss: one `__call__`, one template.

    `__call__(y_true, y_pred, sample_weight=None)` does, in order:

    1. `standardize_inputs`: converts and checks the inputs through the
       class's `input_kind` (`kzoo.losses.inputs`): ranks, batch agreement,
       label dtype. Labels stay integer; predictions are cast to the loss
       dtype (float32 whatever the global policy, unless `dtype` is given).
    2. `call(y_true, y_pred)`: the subclass's loss, one value per sample
       (`[B]`), or one scalar for the batch when `batch_level = True`.
    3. `reduce_loss`: Keras' reductions, `sample_weight` and mask handling
       (a Keras mask on `y_pred` is honoured as `keras.losses.Loss` does).

    A subclass sets `input_kind` and implements `call`; its constructor
    stores every argument under the argument's own name, so `get_config`
    and `from_config` need no code (nested Keras objects such as distances
    and miners are serialized automatically). A batch-level loss (one value
    for the whole batch: bag losses, information-theoretic estimators) sets
    `batch_level = True`: a scalar `sample_weight` scales it, per-sample
    weights are refused (they have nothing to weight), unless its `call`
    takes a `sample_weight` argument, in which case the weights are passed
    to `call` and applied there. Docstring markers (the `loss_args` snippet
    written between double braces, for example) are filled from
    `kzoo._docstrings` when the class is created.

    A ten-line loss:

    ```python
    @kzoo_export("kzoo.losses.HingeMarginLoss")
    class HingeMarginLoss(kzoo.losses.Loss):
        '''max(0, margin − logit of the true class).'''
        input_kind = kzoo.losses.inputs.TargetsAndLogits()

        def __init__(self, margin=1.0, name="hinge_margin_loss", **kwargs):
            super().__init__(name=name, **kwargs)
            self.margin = check_non_negative("margin", margin)

        def call(self, targets, logits):
            true_logit = ops.sum(targets * logits, axis=-1)
            return ops.relu(self.margin - true_logit)
    ```

    Args:
        {{loss_args}}
    """

    input_kind = None
    batch_level = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__doc__" in cls.__dict__:
            cls.__doc__ = fill(cls.__doc__, strict=False)
        call = cls.__dict__.get("call")
        if call is not None:
            cls._call_takes_weights = (
                "sample_weight" in inspect.signature(call).parameters
            )

    _call_takes_weights = False

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if isinstance(dtype, keras.DTypePolicy):
            dtype = dtype.name
        super().__init__(
            name=name,
            reduction=standardize_reduction(reduction),
            dtype=dtype or "float32",
        )
        self._dtype_arg = dtype

    # -- the template --------------------------------------------------------

    def __call__(self, y_true, y_pred, sample_weight=None):
        mask = get_keras_mask(y_pred)
        with keras.name_scope(self.name):
            y_true, y_pred = self.standardize_inputs(y_true, y_pred)
            if self._call_takes_weights:
                values = self.call(y_true, y_pred, sample_weight=sample_weight)
                sample_weight = None
            else:
                values = self.call(y_true, y_pred)
            if self.batch_level:
                return self._reduce_batch_level(values, sample_weight)
            return reduce_loss(values, sample_weight, self.reduction, mask)

    def standardize_inputs(self, y_true, y_pred):
        """`(y_true, y_pred)` as `call` receives them (see `input_kind`)."""
        if self.input_kind is None:
            raise TypeError(
                f"{type(self).__name__} must set `input_kind` (a "
                "`kzoo.losses.inputs.InputKind`) or override "
                "`standardize_inputs`."
            )
        return self.input_kind.standardize(y_true, y_pred, self.dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `call(y_true, y_pred)`."
        )

    def _reduce_batch_level(self, value, sample_weight):
        if sample_weight is not None:
            weight = keras.ops.convert_to_tensor(sample_weight)
            if len(weight.shape) != 0:
                raise ValueError(
                    f"`{type(self).__name__}` is a batch-level loss (one "
                    "value for the whole batch): `sample_weight` can only be "
                    "a scalar that scales it. Received: sample_weight.shape="
                    f"{tuple(weight.shape)}"
                )
            value = value * keras.ops.cast(weight, value.dtype)
        return value

    # -- serialization -------------------------------------------------------

    def get_config(self):
        config = {
            "name": self.name,
            "reduction": self.reduction,
            "dtype": self._dtype_arg,
        }
        for p in option_parameters(type(self)):
            key = p.name
            if not hasattr(self, key):
                raise TypeError(
                    f"{type(self).__name__} must store its constructor "
                    f"argument `{key}` as `self.{key}` (or override "
                    "`get_config`)."
                )
            config[key] = _to_config_value(getattr(self, key))
        return config

    @classmethod
    def from_config(cls, config):
        config = {k: _from_config_value(v) for k, v in config.items()}
        return cls(**config)


Loss.__doc__ = fill(Loss.__doc__)

"""Deprecated: `kzoo.training.base` was split. `grad` is
`kzoo.backend.value_and_grads` and `GradientStepModel` lives in
`kzoo.training.gradient_step_model` (import it as
`kzoo.training.GradientStepModel`). Removed in the next release."""

from kzoo._deprecation import moved_names

__getattr__ = moved_names(
    __name__,
    {
        "GradientStepModel": "kzoo.training:GradientStepModel",
        "global_norm": "kzoo.training.gradient_step_model:global_norm",
        "grad": "kzoo.backend:value_and_grads",
    },
)

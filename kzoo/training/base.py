"""Deprecated: `kzoo.training.base` was split. `grad` is
`kzoo.backend.value_and_grads` and `GradientStepModel` lives in
`kzoo.training.gradient_step_model` (import it as
`kzoo.training.GradientStepModel`). Removed in the next release."""

from kzoo.api_export import deprecated_alias
from kzoo.api_export import deprecated_getattr

for _old, _new in (
    ("GradientStepModel", "kzoo.training.GradientStepModel"),
    ("global_norm", "kzoo.training.gradient_step_model.global_norm"),
    ("grad", "kzoo.backend.value_and_grads"),
):
    deprecated_alias(f"{__name__}.{_old}", _new)
__getattr__ = deprecated_getattr(__name__)

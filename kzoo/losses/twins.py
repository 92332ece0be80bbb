"""Functional twins: `xxx(y_true, y_pred, **options)` for each `XxxLoss`.

Every loss class has a snake_case function with the same keyword options
that returns the per-sample values (`reduction="none"`; a scalar for a
batch-level loss). The twin is built from the class's constructor, so its
options cannot drift from the class's; `tools/api_check.py` checks the rule
(CONTRIBUTING.md, "Names").
"""

import inspect

from kzoo.losses.loss import option_parameters

_POK = inspect.Parameter.POSITIONAL_OR_KEYWORD


def functional_twin(cls, name):
    """The functional form of loss class `cls`, named `name`.

    `name(y_true, y_pred, *options)` builds `cls(**options,
    reduction="none")` and calls it: per-sample values (a scalar for a
    batch-level loss). Options may be passed by keyword or, in the class's
    order, by position.
    """
    options = [p.replace(kind=_POK) for p in option_parameters(cls)]
    signature = inspect.Signature(
        [inspect.Parameter("y_true", _POK), inspect.Parameter("y_pred", _POK)]
        + options
    )

    def twin(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        y_true = arguments.pop("y_true")
        y_pred = arguments.pop("y_pred")
        return cls(reduction="none", **arguments)(y_true, y_pred)

    twin.__name__ = twin.__qualname__ = name
    twin.__module__ = cls.__module__
    twin.__signature__ = signature
    returns = "a scalar (batch-level loss)" if cls.batch_level else "`[B]`"
    twin.__doc__ = (
        f"Per-sample values of `kzoo.losses.{cls.__name__}`: its functional "
        f"form, with the same options (see the class for the formula, the "
        f"inputs and the arguments).\n\n    Returns:\n        Tensor "
        f"{returns}.\n    "
    )
    return twin

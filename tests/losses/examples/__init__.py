"""Example inputs for every registered kzoo loss.

`tests/losses/test_all_losses.py` runs the shared checklist (reductions,
`sample_weight`, config round trip, functional twin) over every loss class
exported under `kzoo.losses`; a loss without an entry here fails
`test_every_loss_has_an_example`, so a new loss cannot skip the sweep.

An entry maps the class name to a function `(rng) -> Example`, registered
with `@example("ClassName")` in the family's module below. Keep shapes tiny
and fixed (JAX compiles each new shape).
"""

import dataclasses
import importlib

EXAMPLES = {}

_FAMILY_MODULES = (
    "classification",
    "distillation",
    "aggregate",
    "information",
    "hyperbolic",
    "topology",
    "sets",
    "metric_learning",
    "contrastive_learning",
)


@dataclasses.dataclass
class Example:
    """Arguments and inputs of one loss call.

    Attributes:
        y_true: NumPy array (or a tuple of arrays) as `fit` would pass it.
        y_pred: NumPy float32 array (the model output).
        kwargs: constructor arguments (beyond the defaults).
        batch_size: the number of samples (rows of `y_pred`).
    """

    y_true: object
    y_pred: object
    kwargs: dict = dataclasses.field(default_factory=dict)
    batch_size: int = None

    def __post_init__(self):
        if self.batch_size is None:
            self.batch_size = len(self.y_pred)


def example(class_name):
    def register(fn):
        if class_name in EXAMPLES:
            raise ValueError(f"Two examples for {class_name!r}")
        EXAMPLES[class_name] = fn
        return fn

    return register


def load_all():
    for name in _FAMILY_MODULES:
        try:
            importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
    return EXAMPLES

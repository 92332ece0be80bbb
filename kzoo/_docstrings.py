"""The one docstring-templating mechanism of kzoo.

Argument texts shared by many classes (reduction, name and dtype of every
loss; the streaming and gathering options of the in-batch-negative losses;
the input layout of the bag losses ...) are written once, here or beside the
code they describe, and referenced from docstrings as `{{key}}` markers:

```python
class MyLoss(kzoo.losses.Loss):
    '''...

    Args:
        margin: the margin. Defaults to `0.1`.
        {{loss_args}}
    '''
```

Subclasses of `kzoo.losses.Loss` are filled automatically when the class is
created; anything else uses the `fill_docstring` decorator, which raises at
import time on a marker that names no snippet. tests/test_api.py checks that
no public docstring keeps a marker, so a typo cannot ship.
"""

import re

_MARKER = re.compile(r"\{\{([a-z_]+)\}\}")

# key -> text. Texts are indented for an `Args:` entry of a class docstring
# (first line without indentation; continuation lines by 12 spaces, further
# entries by 8).
SNIPPETS = {}


def register_snippet(key, text):
    """Make `{{key}}` available to every docstring of the package."""
    if key in SNIPPETS and SNIPPETS[key] != text:
        raise ValueError(
            f"A docstring snippet named {key!r} is already registered with "
            f"a different text. Received: key={key!r}"
        )
    SNIPPETS[key] = text
    return text


def fill(doc, extra=None, strict=True):
    """`doc` with every `{{key}}` replaced by its snippet (`extra` first).

    With `strict=False` an unknown marker is left in place (for a class
    whose module fills its own snippets after the class is created)."""
    if not doc:  # None under `python -OO`
        return doc
    table = {**SNIPPETS, **(extra or {})}

    def replace(match):
        key = match.group(1)
        if key not in table:
            if not strict:
                return match.group(0)
            raise ValueError(
                f"Unknown docstring snippet {{{{{key}}}}}. Expected one of "
                f"{sorted(table)}. Received: {key!r}"
            )
        return table[key]

    # Snippets may themselves hold markers (one level deep is enough).
    return _MARKER.sub(replace, _MARKER.sub(replace, doc))


def fill_docstring(obj=None, **extra):
    """Decorator: fill the `{{key}}` markers of a class's or function's
    docstring from the registered snippets and the `extra` keyword texts.

    Usable bare (`@fill_docstring`) or with extra snippets
    (`@fill_docstring(bag_args=BAG_ARGS)`).
    """

    def decorate(target):
        target.__doc__ = fill(target.__doc__, extra)
        return target

    return decorate(obj) if obj is not None else decorate


register_snippet(
    "loss_args",
    """reduction: how per-sample values are reduced, as in Keras:
            `"sum_over_batch_size"` (or `"mean"`), `"sum"`,
            `"mean_with_sample_weight"`, or `"none"`/`None` for the
            per-sample values. Defaults to `"sum_over_batch_size"`.
        name: the loss name. Defaults to the snake_case class name.
        dtype: the computation dtype. kzoo losses compute in float32 whatever
            the global dtype policy (mixed precision included), unless a dtype
            is given here. Defaults to `None` (float32).""",
)

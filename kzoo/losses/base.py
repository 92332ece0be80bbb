"""TRANSITIONAL shim while the losses move to `kzoo.losses.Loss` (issue 13).

Deleted once every loss imports from the new modules: `loss.py` (the base),
`reduction.py`, `inputs.py`, `embedding_loss.py`, `classification_loss.py`,
`pair_weighting_loss.py`, `in_batch_negative_loss.py`.
"""

from kzoo._docstrings import SNIPPETS
from kzoo._docstrings import register_snippet
from kzoo._validation import labels as _labels
from kzoo._validation import predictions as _predictions
from kzoo.losses.classification_loss import ClassificationLoss  # noqa: F401
from kzoo.losses.embedding_loss import EmbeddingLoss  # noqa: F401
from kzoo.losses.in_batch_negative_loss import InBatchNegativeLoss  # noqa: F401
from kzoo.losses.loss import Loss as _KzooLoss  # noqa: F401
from kzoo.losses.pair_weighting_loss import PairWeightingLoss  # noqa: F401
from kzoo.losses.pair_weighting_loss import pair_average_per_anchor  # noqa: F401
from kzoo.losses.reduction import reduce_loss  # noqa: F401

register_snippet("common_args", SNIPPETS["loss_args"])


def fill_common_args(cls):
    return cls


def standardize_labels(y_true, batch_size=None, arg_name="y_true"):
    return _labels(y_true, batch_size, arg=arg_name)


def standardize_embeddings(y_pred, dtype, arg_name="y_pred"):
    return _predictions(
        y_pred,
        dtype,
        rank=2,
        what="embeddings of shape (batch_size, dim)",
        arg=arg_name,
    )


fill_in_batch_args = fill_common_args

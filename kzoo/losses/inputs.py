"""How a loss reads `(y_true, y_pred)`: the input kinds of `kzoo.losses.Loss`.

Every kzoo loss declares one input kind; `Loss.__call__` standardizes the
two arguments through it before `call` sees them, so rank, batch and dtype
checks are written (and phrased) once:

- `LabelsAndEmbeddings`: integer labels `[B]` / `[B, 1]` and embeddings
  `[B, D]` (rank configurable) → `(labels [B], embeddings)`.
- `TargetsAndLogits`: class ids `[B]` / `[B, 1]` or one-hot / probability
  rows `[B, K]`, and logits `[B, K]` → `(targets [B, K] float, logits)`.
- `BinaryTargetsAndScores`: labels `[B]` / `[B, 1]` (extra columns allowed)
  and one score per sample → `(labels, scores [B])`.
- `IdsAndPredictions`: an integer id matrix `[B, C]` and float predictions
  `[B, ...]` → `(ids [B, C], predictions)`.
- `TargetsAndPredictions`: float targets of `y_pred`'s shape →
  `(targets, predictions)`.
- `StackedTargets`: `n` float target sets `[B, n, ...]` for predictions
  `[B, ...]` → `([t_1, ..., t_n], predictions)`.
- `PredictionsOnly`: `y_true` ignored → `(None, predictions)`.

Integer labels and ids are never cast to the float loss dtype (see
`kzoo.losses.reduction`). Predictions are cast to the loss dtype (float32
unless the loss says otherwise). Shapes are checked statically, before any
computation; a dimension unknown at trace time is checked where it becomes
known.
"""

from keras import ops

from kzoo._validation import check_batch
from kzoo._validation import class_targets
from kzoo._validation import ids
from kzoo._validation import labels
from kzoo._validation import predictions
from kzoo._validation import scores
from kzoo._validation import shape_of as _shape
from kzoo.api_export import kzoo_export

__all__ = [
    "BinaryTargetsAndScores",
    "IdsAndPredictions",
    "InputKind",
    "LabelsAndEmbeddings",
    "PredictionsOnly",
    "StackedTargets",
    "TargetsAndLogits",
    "TargetsAndPredictions",
]


@kzoo_export("kzoo.losses.inputs.InputKind")
class InputKind:
    """Base of the input kinds: `standardize(y_true, y_pred, dtype)` returns
    what `Loss.call` receives."""

    name = None

    def standardize(self, y_true, y_pred, dtype):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


@kzoo_export("kzoo.losses.inputs.LabelsAndEmbeddings")
class LabelsAndEmbeddings(InputKind):
    """Integer labels `[B]` (kept integer) and float `y_pred` `[B, ...]`."""

    name = "labels_embeddings"

    def __init__(self, rank=2, what="embeddings of shape (batch_size, dim)"):
        self.rank = rank
        self.what = what

    def standardize(self, y_true, y_pred, dtype):
        emb = predictions(y_pred, dtype, rank=self.rank, what=self.what)
        return labels(y_true, emb.shape[0]), emb


@kzoo_export("kzoo.losses.inputs.TargetsAndLogits")
class TargetsAndLogits(InputKind):
    """Class ids or dense target rows, and logits `[B, K]` (K ≥ 2)."""

    name = "targets_logits"

    def standardize(self, y_true, y_pred, dtype):
        logits = predictions(
            y_pred,
            dtype,
            rank=2,
            what="logits of shape (batch_size, num_classes)",
        )
        k = logits.shape[-1]
        if k is not None and k < 2:
            raise ValueError(
                "`y_pred` must score at least 2 classes. "
                f"Received: y_pred.shape={_shape(logits)}"
            )
        return class_targets(y_true, logits), logits


@kzoo_export("kzoo.losses.inputs.BinaryTargetsAndScores")
class BinaryTargetsAndScores(InputKind):
    """Binary labels `[B]` (or `[B, columns]` when a loss takes extra
    per-sample columns) and one score per sample."""

    name = "binary_targets_scores"

    def __init__(self, what="binary score"):
        self.what = what

    def standardize(self, y_true, y_pred, dtype):
        s = scores(y_pred, dtype, what=self.what)
        y = ops.convert_to_tensor(y_true)
        if len(y.shape) == 2 and y.shape[-1] == 1:
            y = ops.reshape(y, (-1,))
        check_batch("y_true", y, s.shape[0])
        return y, s


@kzoo_export("kzoo.losses.inputs.IdsAndPredictions")
class IdsAndPredictions(InputKind):
    """An integer id matrix `[B, columns]` and float predictions."""

    name = "ids_predictions"

    def __init__(self, columns=None, rank=2, what=None):
        self.columns = columns
        self.rank = rank
        self.what = what

    def standardize(self, y_true, y_pred, dtype):
        x = predictions(y_pred, dtype, rank=self.rank, what=self.what)
        return ids(y_true, x.shape[0], self.columns), x


@kzoo_export("kzoo.losses.inputs.TargetsAndPredictions")
class TargetsAndPredictions(InputKind):
    """Float targets of exactly `y_pred`'s shape (teacher logits, relevance
    matrices, regression targets)."""

    name = "targets_predictions"

    def __init__(self, rank=None, what=None, target_what="targets"):
        self.rank = rank
        self.what = what
        self.target_what = target_what

    def standardize(self, y_true, y_pred, dtype):
        x = predictions(y_pred, dtype, rank=self.rank, what=self.what)
        t = ops.convert_to_tensor(y_true)
        if _shape(t) != _shape(x):
            raise ValueError(
                f"`y_true` ({self.target_what}) and `y_pred` must have the "
                f"same shape. Received: y_true.shape={_shape(t)}, "
                f"y_pred.shape={_shape(x)}"
            )
        return ops.cast(t, dtype), x


@kzoo_export("kzoo.losses.inputs.StackedTargets")
class StackedTargets(InputKind):
    """`count` float target sets stacked on axis 1 of `y_true`
    (`[B, count, ...]`) for predictions `[B, ...]`; each target set is
    passed through `stop_gradient`."""

    name = "stacked_targets"

    def __init__(self, count, what="predictions"):
        self.count = count
        self.what = what

    def standardize(self, y_true, y_pred, dtype):
        x = predictions(y_pred, dtype, min_rank=2, what=self.what)
        t = ops.cast(ops.convert_to_tensor(y_true), dtype)
        expected = (x.shape[0], self.count) + _shape(x)[1:]
        if len(t.shape) != len(expected) or _shape(t)[1:] != expected[1:]:
            raise ValueError(
                f"`y_true` must stack {self.count} target sets as "
                f"(batch_size, {self.count}, ...) = {expected}. "
                f"Received: y_true.shape={_shape(t)}"
            )
        check_batch("y_true", t, x.shape[0])
        return [ops.stop_gradient(t[:, i]) for i in range(self.count)], x


@kzoo_export("kzoo.losses.inputs.PredictionsOnly")
class PredictionsOnly(InputKind):
    """`y_true` is ignored (self-supervised and batch-structure losses)."""

    name = "predictions_only"

    def __init__(self, rank=None, min_rank=1, what=None):
        self.rank = rank
        self.min_rank = min_rank
        self.what = what

    def standardize(self, y_true, y_pred, dtype):
        x = predictions(
            y_pred,
            dtype,
            rank=self.rank,
            min_rank=self.min_rank,
            what=self.what,
        )
        return None, x

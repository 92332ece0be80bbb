"""`kzoo.losses.EmbeddingLoss`: losses on labelled embeddings."""

from kzoo.api_export import kzoo_export
from kzoo.losses.inputs import LabelsAndEmbeddings
from kzoo.losses.loss import Loss


@kzoo_export("kzoo.losses.EmbeddingLoss")
class EmbeddingLoss(Loss):
    """Base class for losses on a batch of embeddings with integer labels.

    Called as `loss(labels, embeddings)` — in `compile`, `y_true` holds the
    labels `[B]` or `[B, 1]` and the model outputs the embeddings `[B, D]`.
    Labels keep their integer dtype (they are never cast to the float loss
    dtype, which would merge large or bfloat16 labels). Subclasses implement
    `call(labels, embeddings) -> [B]`, one value per anchor.

    Args:
        {{loss_args}}
    """

    input_kind = LabelsAndEmbeddings()

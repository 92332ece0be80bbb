"""`CosFaceHead`: the large margin cosine head (Wang et al., 2018)."""

from kzoo.api_export import kzoo_export
from kzoo.layers._cosine_head import HEAD_DOC
from kzoo.layers._cosine_head import CosineHead
from kzoo.layers._cosine_head import cosface_target


@kzoo_export("kzoo.layers.CosFaceHead")
class CosFaceHead(CosineHead):
    __doc__ = (
        """Large margin cosine head (CosFace).
"""
        + HEAD_DOC
        + """
    Formula:

    ```
    logit_j = s · cos θ_j          j ≠ y
    logit_y = s · (cos θ_y − m)
    ```

    Equal in value and gradient to pytorch-metric-learning's
    `CosFaceLoss(margin=m, scale=s)` given the same `W`.

    Args:
        num_classes: number of classes (≥ 2).
        scale: s. Defaults to `64.0`.
        margin: m. Defaults to `0.35`.
        kernel_initializer: initializer of `W`. Defaults to
            `"glorot_uniform"`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:

    ```python
    logits = kzoo.layers.CosFaceHead(1000)(embeddings, labels)
    ```

    References:
        - [Wang et al., 2018](https://arxiv.org/abs/1801.09414), CosFace:
          Large Margin Cosine Loss for Deep Face Recognition, CVPR 2018.
    """
    )

    def __init__(self, num_classes, scale=64.0, margin=0.35, **kwargs):
        super().__init__(num_classes, scale, margin, **kwargs)

    def target_logit(self, cosine):
        return cosface_target(cosine, self.margin)

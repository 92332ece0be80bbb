"""`ArcFaceHead`: the additive angular margin head (Deng et al., 2019)."""

import math

from kzoo.api_export import kzoo_export
from kzoo.layers._cosine_head import HEAD_DOC
from kzoo.layers._cosine_head import CosineHead
from kzoo.layers._cosine_head import arcface_target


@kzoo_export("kzoo.layers.ArcFaceHead")
class ArcFaceHead(CosineHead):
    __doc__ = (
        """Additive angular margin head (ArcFace).
"""
        + HEAD_DOC
        + """
    Formula:

    ```
    cos θ_j = x̂ · Ŵ_j          (x̂, Ŵ_j: unit embedding, unit class column)
    logit_j = s · cos θ_j                           j ≠ y
    logit_y = s · cos(θ_y + m)                      θ_y ≤ π − m
            = s · (cos θ_y − m · sin m)             θ_y > π − m
    ```

    The fallback keeps the target logit decreasing in θ (insightface,
    pytorch-metric-learning); `acos` is clipped to `[−1 + 1e-7, 1 − 1e-7]`, so
    no NaN appears at `cos = ±1`. Equal in value and gradient to
    pytorch-metric-learning's `ArcFaceLoss(margin=degrees(m), scale=s)` given
    the same `W` (the loss being the mean cross-entropy of these logits).

    Args:
        num_classes: number of classes (≥ 2).
        scale: s. Defaults to `64.0`.
        margin: m, in radians. Defaults to `0.5`.
        kernel_initializer: initializer of `W`. Defaults to
            `"glorot_uniform"`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:

    ```python
    emb = keras.Input((128,)); lab = keras.Input((), dtype="int32")
    logits = kzoo.layers.ArcFaceHead(1000)(emb, lab)
    model = keras.Model([emb, lab], logits)
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    model.fit((embeddings, labels), labels)
    ```

    References:
        - [Deng et al., 2019](https://arxiv.org/abs/1801.07698), ArcFace:
          Additive Angular Margin Loss for Deep Face Recognition, CVPR 2019.
    """
    )

    def __init__(self, num_classes, scale=64.0, margin=0.5, **kwargs):
        super().__init__(num_classes, scale, margin, **kwargs)
        if self.margin >= math.pi / 2:
            raise ValueError(
                "`margin` must be below π/2 radians. "
                f"Received: margin={margin!r}"
            )

    def target_logit(self, cosine):
        return arcface_target(cosine, self.margin)

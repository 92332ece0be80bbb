"""`ToPoincare`: the map into the Poincaré ball of Hyp-OC (Narayan & Patel,
2024)."""

import keras
from keras import ops

from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.ops.hyperbolic import clip_feature_norm
from kzoo.ops.hyperbolic import expmap0
from kzoo.ops.hyperbolic import project_to_ball


def _check_epsilon(epsilon):
    if not isinstance(epsilon, (int, float)) or not 0 < epsilon < 1:
        raise ValueError(
            f"`epsilon` must be in (0, 1). Received: epsilon={epsilon!r}"
        )
    return float(epsilon)


@kzoo_export("kzoo.layers.ToPoincare")
class ToPoincare(keras.layers.Layer):
    """Map Euclidean features into the Poincaré ball.

    Formula:

    ```
    x̃ = min(1, r/‖x‖)·x                  (only when clip_radius = r is set)
    z = proj(expmap0(x̃)),  proj to radius (1 − ε)/√c
    ```

    Hyp-OC uses `c = 0.1`, `clip_radius = 2`. (Its `ToPoincare` can also
    learn a base point `x_p` and use `expmap_{x_p}`; kzoo maps at the origin,
    which is Hyp-OC's `train_x=False` setting.) Computes in float32 whatever
    the dtype policy.

    Args:
        c: curvature magnitude. Defaults to `1.0`.
        clip_radius: Euclidean feature clipping radius, or `None` for no
            clipping. Defaults to `None`.
        epsilon: boundary margin of the projection. Defaults to `1e-3`.

    Example:

    ```python
    z = kzoo.layers.ToPoincare(c=0.1, clip_radius=2.0)(features)
    ```

    References:
        - [Narayan & Patel, 2024](https://arxiv.org/abs/2404.14406), Hyp-OC.
        - [Guo et al., 2022](https://arxiv.org/abs/2107.11472) (clipping).
    """

    def __init__(self, c=1.0, clip_radius=None, epsilon=1e-3, **kwargs):
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.c = check_positive("c", c)
        self.clip_radius = (
            None
            if clip_radius is None
            else check_positive("clip_radius", clip_radius)
        )
        self.epsilon = _check_epsilon(epsilon)

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        if self.clip_radius is not None:
            x = clip_feature_norm(x, self.clip_radius)
        return project_to_ball(expmap0(x, self.c), self.c, self.epsilon)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(inputs.shape, dtype="float32")

    def get_config(self):
        config = super().get_config()
        config.update(
            c=self.c, clip_radius=self.clip_radius, epsilon=self.epsilon
        )
        return config

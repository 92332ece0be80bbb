"""Backend-agnostic numerical building blocks, written with `keras.ops` only.

Everything here works under `jax.jit`, `tf.function(jit_compile=True)` and
`torch.compile`: shapes never depend on data, selections are dense masks.
"""

from kzoo.ops.hyperbolic import clip_feature_norm
from kzoo.ops.hyperbolic import expmap0
from kzoo.ops.hyperbolic import logmap0
from kzoo.ops.hyperbolic import mobius_add
from kzoo.ops.hyperbolic import poincare_distance
from kzoo.ops.hyperbolic import project_to_ball
from kzoo.ops.infonce import diagonal
from kzoo.ops.infonce import multi_positive_nce
from kzoo.ops.infonce import weighted_nce
from kzoo.ops.masks import label_masks
from kzoo.ops.masks import masked_max
from kzoo.ops.masks import masked_min
from kzoo.ops.norms import l2_normalize
from kzoo.ops.norms import safe_norm
from kzoo.ops.norms import safe_sqrt
from kzoo.ops.pairwise import pairwise_cosine_similarity
from kzoo.ops.pairwise import pairwise_distance
from kzoo.ops.pairwise import pairwise_dot
from kzoo.ops.pairwise import pairwise_squared_distance
from kzoo.ops.reductions import masked_logsumexp
from kzoo.ops.sorting import diffsort
from kzoo.ops.streaming import tiled_row_reduce

__all__ = [
    "clip_feature_norm",
    "diagonal",
    "diffsort",
    "expmap0",
    "l2_normalize",
    "label_masks",
    "logmap0",
    "masked_logsumexp",
    "masked_max",
    "masked_min",
    "mobius_add",
    "multi_positive_nce",
    "pairwise_cosine_similarity",
    "pairwise_distance",
    "pairwise_dot",
    "pairwise_squared_distance",
    "poincare_distance",
    "project_to_ball",
    "safe_norm",
    "safe_sqrt",
    "tiled_row_reduce",
    "weighted_nce",
]

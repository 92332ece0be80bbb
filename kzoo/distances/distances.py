"""Distance and similarity objects."""

import keras
from keras import ops

from kzoo import ops as kops
from kzoo._validation import check_bool
from kzoo.api_export import kzoo_export


@kzoo_export("kzoo.distances.Distance")
class Distance:
    """Base class: a pairwise distance (or similarity) between rows.

    Subclasses implement `pairwise(a, b)` on already-normalized inputs and set
    `is_similarity`.

    Args:
        normalize_embeddings: L2-normalize the rows before comparing them.
            Defaults to `True`.
    """

    is_similarity = False

    def __init__(self, normalize_embeddings=True):
        self.normalize_embeddings = check_bool(
            "normalize_embeddings", normalize_embeddings
        )

    def __call__(self, a, b=None):
        """The `[N, M]` matrix between the rows of `a` and `b` (or `a`)."""
        if self.normalize_embeddings:
            same = b is None
            a = kops.l2_normalize(a)
            b = None if same else kops.l2_normalize(b)
        return self.pairwise(a, b)

    def pairwise(self, a, b=None):
        raise NotImplementedError

    def margin(self, x, y):
        """How much closer `y` is than `x`: `x − y` for distances, `y − x` for
        similarities (so one margin formula serves both kinds)."""
        return y - x if self.is_similarity else x - y

    def closest(self, x, y):
        """Elementwise the closer of two values."""
        return ops.maximum(x, y) if self.is_similarity else ops.minimum(x, y)

    def get_config(self):
        return {"normalize_embeddings": self.normalize_embeddings}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return (
            type(self) is type(other)
            and self.get_config() == other.get_config()
        )

    def __hash__(self):
        return hash((type(self), tuple(sorted(self.get_config().items()))))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@kzoo_export("kzoo.distances.CosineSimilarity")
class CosineSimilarity(Distance):
    """Cosine similarity `a_i · b_j / (‖a_i‖ ‖b_j‖)`; larger is closer.

    Formula:

    ```
    M_ij = â_i · b̂_j,   x̂ = x / max(‖x‖₂, 1e-12)
    ```

    Embeddings are always normalized (there is no `normalize_embeddings`
    argument). Equals pytorch-metric-learning's `CosineSimilarity()`.
    """

    is_similarity = True

    def __init__(self):
        super().__init__(normalize_embeddings=True)

    def pairwise(self, a, b=None):
        return kops.pairwise_dot(a, b)

    def get_config(self):
        return {}


@kzoo_export("kzoo.distances.DotProductSimilarity")
class DotProductSimilarity(Distance):
    """Inner product `a_i · b_j`; larger is closer.

    Formula:

    ```
    M_ij = a_i · b_j
    ```

    Args:
        normalize_embeddings: L2-normalize the rows first (which makes it the
            cosine similarity). Unlike pytorch-metric-learning, whose default
            is `True`, kzoo defaults to the raw inner product. Defaults to
            `False`.
    """

    is_similarity = True

    def __init__(self, normalize_embeddings=False):
        super().__init__(normalize_embeddings=normalize_embeddings)

    def pairwise(self, a, b=None):
        return kops.pairwise_dot(a, b)


@kzoo_export("kzoo.distances.EuclideanDistance")
class EuclideanDistance(Distance):
    """Euclidean distance `‖a_i − b_j‖₂`; smaller is closer.

    The square root has a zero gradient at zero distance, so duplicated
    embeddings give finite gradients. With the default normalization it equals
    pytorch-metric-learning's `LpDistance()`.

    Formula:

    ```
    M_ij = ‖â_i − b̂_j‖₂
    ```

    Args:
        normalize_embeddings: L2-normalize the rows first. Defaults to `True`.
    """

    def pairwise(self, a, b=None):
        return kops.pairwise_distance(a, b)


@kzoo_export("kzoo.distances.SquaredEuclideanDistance")
class SquaredEuclideanDistance(Distance):
    """Squared Euclidean distance `‖a_i − b_j‖²`; smaller is closer.

    Equals pytorch-metric-learning's `LpDistance(power=2)` with the default
    normalization.

    Formula:

    ```
    M_ij = ‖â_i − b̂_j‖₂²
    ```

    Args:
        normalize_embeddings: L2-normalize the rows first. Defaults to `True`.
    """

    def pairwise(self, a, b=None):
        return kops.pairwise_squared_distance(a, b)


_ALIASES = {
    "cosine": CosineSimilarity,
    "dot": DotProductSimilarity,
    "euclidean": EuclideanDistance,
    "squared_euclidean": SquaredEuclideanDistance,
}


@kzoo_export("kzoo.distances.get")
def get(identifier):
    """Resolve a distance from an instance, a short name or a config dict.

    Args:
        identifier: a `Distance`, one of `"cosine"`, `"dot"`, `"euclidean"`,
            `"squared_euclidean"`, or a serialized distance (dict).

    Returns:
        A `Distance` instance.
    """
    if isinstance(identifier, Distance):
        return identifier
    if isinstance(identifier, str) and identifier in _ALIASES:
        return _ALIASES[identifier]()
    if isinstance(identifier, dict):
        obj = keras.saving.deserialize_keras_object(identifier)
        if isinstance(obj, Distance):
            return obj
    raise ValueError(
        "`distance` must be a kzoo.distances.Distance or one of "
        f"{sorted(_ALIASES)}. Received: distance={identifier!r}"
    )

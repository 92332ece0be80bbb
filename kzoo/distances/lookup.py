"""`kzoo.distances.get`: a distance object from a name, config or instance
(named `lookup` so that no module shadows the function `get`)."""

import keras

from kzoo.api_export import kzoo_export
from kzoo.distances.cosine_similarity import CosineSimilarity
from kzoo.distances.distance import Distance
from kzoo.distances.dot_product_similarity import DotProductSimilarity
from kzoo.distances.euclidean_distance import EuclideanDistance
from kzoo.distances.squared_euclidean_distance import SquaredEuclideanDistance

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

"""Data utilities: samplers for metric learning and synthetic data sets."""

from kzoo._deprecation import moved_names
from kzoo.data.aggregate import laplace_bag_means
from kzoo.data.aggregate import random_bags
from kzoo.data.episode_sampler import EpisodeSampler
from kzoo.data.m_per_class_sampler import MPerClassSampler

__all__ = [
    "EpisodeSampler",
    "MPerClassSampler",
    "laplace_bag_means",
    "random_bags",
]

# The face generators moved into the face application after kzoo 0.1.0; the
# old names import it on first use and warn.
__getattr__ = moved_names(
    __name__,
    {
        "half_face_pairs": "kzoo.applications.face.half_faces:half_face_pairs",
        "make_face_identities": (
            "kzoo.applications.face.generator:make_face_identities"
        ),
    },
)

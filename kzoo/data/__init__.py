"""Data utilities: samplers for metric learning and synthetic data sets."""

from kzoo.api_export import deprecated_alias
from kzoo.api_export import deprecated_getattr
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
for _name in ("half_face_pairs", "make_face_identities"):
    deprecated_alias(f"{__name__}.{_name}", f"kzoo.applications.face.{_name}")
__getattr__ = deprecated_getattr(__name__)

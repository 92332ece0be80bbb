"""Data utilities: samplers for metric learning and synthetic data sets."""

from kzoo.data.half_faces import half_face_pairs
from kzoo.data.samplers import EpisodeSampler
from kzoo.data.samplers import MPerClassSampler
from kzoo.data.synthetic_faces import make_face_identities

__all__ = [
    "EpisodeSampler",
    "MPerClassSampler",
    "half_face_pairs",
    "make_face_identities",
]

"""Data utilities (host-side NumPy): bagging and label privacy."""

from kzoo.data.aggregate import laplace_bag_means
from kzoo.data.aggregate import random_bags

__all__ = ["laplace_bag_means", "random_bags"]

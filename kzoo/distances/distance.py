"""`Distance`: the base class of kzoo's distance and similarity objects."""

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

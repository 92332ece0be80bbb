"""Deprecated: `kzoo.topology` is now `kzoo.persistent_homology` (and its
`host_callback` is `kzoo.backend.host_callback`). Removed in the next
release."""

from kzoo._deprecation import moved_names

__getattr__ = moved_names(
    __name__,
    {
        "BettiMatching2D": "kzoo.persistent_homology:BettiMatching2D",
        "barcode_2d": "kzoo.persistent_homology:barcode_2d",
        "host_callback": "kzoo.backend:host_callback",
    },
)

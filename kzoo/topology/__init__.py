"""Deprecated: `kzoo.topology` is now `kzoo.persistent_homology` (and its
`host_callback` is `kzoo.backend.host_callback`). Removed in the next
release."""

from kzoo.api_export import deprecated_alias
from kzoo.api_export import deprecated_getattr

for _old, _new in (
    ("BettiMatching2D", "kzoo.persistent_homology.BettiMatching2D"),
    ("barcode_2d", "kzoo.persistent_homology.barcode_2d"),
    ("host_callback", "kzoo.backend.host_callback"),
):
    deprecated_alias(f"{__name__}.{_old}", _new)
__getattr__ = deprecated_getattr(__name__)

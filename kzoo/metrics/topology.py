"""Deprecated: the classes of `kzoo.metrics.topology` live in
`kzoo.metrics.betti_matching_error` and `kzoo.metrics.betti_number_error`;
import them as `kzoo.metrics.BettiMatchingError` / `BettiNumberError`.
Removed in the next release."""

from kzoo.api_export import deprecated_alias
from kzoo.api_export import deprecated_getattr

for _name in ("BettiMatchingError", "BettiNumberError"):
    deprecated_alias(f"{__name__}.{_name}", f"kzoo.metrics.{_name}")
__getattr__ = deprecated_getattr(__name__)

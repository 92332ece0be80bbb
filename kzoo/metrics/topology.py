"""Deprecated: the classes of `kzoo.metrics.topology` live in
`kzoo.metrics.betti_matching_error` and `kzoo.metrics.betti_number_error`;
import them as `kzoo.metrics.BettiMatchingError` / `BettiNumberError`.
Removed in the next release."""

from kzoo._deprecation import moved_names

__getattr__ = moved_names(
    __name__,
    {
        "BettiMatchingError": "kzoo.metrics:BettiMatchingError",
        "BettiNumberError": "kzoo.metrics:BettiNumberError",
    },
)

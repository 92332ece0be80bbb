"""Deprecated private path of `kzoo.backend`'s host-callback helpers.

Kept, without a warning, while kzoo/losses imports it (see
`KNOWN_EXCEPTIONS` in tests/test_architecture.py); removed with
`kzoo.topology`.
"""

from kzoo.backend.compilation import eager_on_torch
from kzoo.backend.compilation import host_friendly
from kzoo.backend.host import host_callback

__all__ = ["eager_on_torch", "host_callback", "host_friendly"]

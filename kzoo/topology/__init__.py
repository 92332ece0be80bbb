"""Host-side topology: cubical persistence and Betti matching (NumPy)."""

from kzoo.topology._callback import host_callback
from kzoo.topology.cubical import BettiMatching2D
from kzoo.topology.cubical import barcode_2d

__all__ = ["BettiMatching2D", "barcode_2d", "host_callback"]

"""Deprecated path of `kzoo.persistent_homology.betti_matching_2d`.

Kept, without a warning, while `kzoo/losses/topology/betti_matching_loss.py`
and its tests import it (see `KNOWN_EXCEPTIONS` in
tests/test_architecture.py); removed with `kzoo.topology`.
"""

from kzoo.persistent_homology.betti_matching_2d import BettiMatching2D
from kzoo.persistent_homology.betti_matching_2d import barcode_2d
from kzoo.persistent_homology.betti_matching_2d import batch_betti_matching
from kzoo.persistent_homology.betti_matching_2d import max_bars

__all__ = ["BettiMatching2D", "barcode_2d", "batch_betti_matching", "max_bars"]

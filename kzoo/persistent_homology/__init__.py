"""Host-side persistent homology of 2D images: cubical barcodes and Betti
matching (NumPy).

The host half of the Betti matching loss (`kzoo.losses.BettiMatchingLoss`)
and metrics (`kzoo.metrics.BettiMatchingError`, `BettiNumberError`), which
call it through `kzoo.backend.host_callback` (with
`betti_matching_2d.batch_betti_matching`). Formerly `kzoo.topology`.
"""

from kzoo.persistent_homology.betti_matching_2d import BettiMatching2D
from kzoo.persistent_homology.betti_matching_2d import barcode_2d

__all__ = ["BettiMatching2D", "barcode_2d"]

"""`BettiMatchingError`: Betti matching error of binarized 2D maps."""

from kzoo.api_export import kzoo_export
from kzoo.metrics._betti import BinarizedTopologyMetric


@kzoo_export("kzoo.metrics.BettiMatchingError")
class BettiMatchingError(BinarizedTopologyMetric):
    """Betti matching error of binarized 2D segmentations (mean per image).

    The prediction is binarized at `threshold` and the ground truth at 0.5;
    the Betti matching of the two (see `kzoo.losses.BettiMatchingLoss`) is
    computed on the host, and the error counts the bars, in the requested
    dimensions, that have no spatially corresponding partner: the Betti
    matching loss of the binarized maps, since a matched pair of binary bars
    costs 0 and an unmatched one 1.

    Formula:

    ```
    BM = Σ_{d ∈ dims} (#unmatched bars of P in dim d + #unmatched of G)
    ```

    Bars follow the V-construction (4-connected foreground, 8-connected
    holes); the essential component is not counted, so an empty prediction
    against a single-component target scores 0 in dimension 0 (the Betti
    number error counts it). 2D maps only.

    Args:
        dims: homology dimensions, a subset of `(0, 1)`. Defaults to
            `(0, 1)`.
        threshold: binarization threshold of `y_pred`. Defaults to `0.5`.
        name: metric name. Defaults to `"betti_matching_error"`.
        dtype: metric dtype. Defaults to `None`.

    Example:

    ```python
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[kzoo.metrics.BettiMatchingError()])
    ```

    References:
        - [Stucki et al., 2023](https://arxiv.org/abs/2211.15272),
          Topologically faithful image segmentation via induced matching of
          persistence barcodes.
    """

    def __init__(
        self, dims=(0, 1), threshold=0.5, name="betti_matching_error", **kw
    ):
        super().__init__(dims=dims, threshold=threshold, name=name, **kw)

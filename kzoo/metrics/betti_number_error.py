"""`BettiNumberError`: Betti number error of binarized 2D maps."""

from kzoo.api_export import kzoo_export
from kzoo.metrics._betti import BinarizedTopologyMetric


@kzoo_export("kzoo.metrics.BettiNumberError")
class BettiNumberError(BinarizedTopologyMetric):
    """Betti number error of binarized 2D segmentations (mean per image).

    Formula:

    ```
    BNE = Σ_{d ∈ dims} |β_d(P > threshold) − β_d(G > 0.5)|
    ```

    with β_0 the number of 4-connected foreground components and β_1 the
    number of holes (8-connected background components not touching the
    border), i.e. the Betti numbers of the V-construction cubical complex.
    Computed on the host from the same barcodes as the Betti matching
    error. 2D maps only.

    Args:
        dims: homology dimensions, a subset of `(0, 1)`. Defaults to
            `(0, 1)`.
        threshold: binarization threshold of `y_pred`. Defaults to `0.5`.
        name: metric name. Defaults to `"betti_number_error"`.
        dtype: metric dtype. Defaults to `None`.

    Example:

    ```python
    metric = kzoo.metrics.BettiNumberError()
    metric.update_state(masks, probabilities)
    metric.result()
    ```

    References:
        - [Stucki et al., 2023](https://arxiv.org/abs/2211.15272),
          Topologically faithful image segmentation via induced matching of
          persistence barcodes (Betti number error as a baseline metric).
    """

    def __init__(
        self, dims=(0, 1), threshold=0.5, name="betti_number_error", **kw
    ):
        super().__init__(dims=dims, threshold=threshold, name=name, **kw)

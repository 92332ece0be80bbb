"""Alignment of positive pairs (Wang & Isola, 2020)."""

from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import check_positive
from kzoo._validation import labels as standardize_labels
from kzoo.api_export import kzoo_export
from kzoo.metrics._pairs import PairSumMetric
from kzoo.metrics._pairs import embeddings_of
from kzoo.metrics._pairs import upper_pair_weights
from kzoo.ops.norms import safe_sqrt
from kzoo.ops.pairwise import pairwise_squared_distance


@kzoo_export("kzoo.metrics.Alignment")
class Alignment(PairSumMetric):
    """Alignment `E_{positive pairs} ‖f(x) − f(y)‖^α`; lower is better.

    Positive pairs are the in-batch pairs `i < j` with equal labels (for
    SimCLR, the views of one image share a label).

    Formula:

    ```
    L_align = Σ_batches Σ_{i<j, y_i = y_j} w_i w_j ‖z_i − z_j‖^α
              / Σ_batches Σ_{i<j, y_i = y_j} w_i w_j
    ```

    What streams: both sums (sum-reducible), so the result is exactly the
    mean over all positive pairs seen, whatever the batch sizes. Only
    within-batch pairs are formed. A stream without positive pairs gives 0.

    Args:
        alpha: the exponent `α` (positive). Defaults to `2.0`.
        normalize: L2-normalize the embeddings first. Defaults to `True`.
        name: metric name. Defaults to `"alignment"`.
        dtype: metric dtype. Defaults to `None` (float32).

    Example:

    ```python
    model.compile(optimizer="adam", loss=kzoo.losses.NTXentLoss(0.1),
                  metrics=[kzoo.metrics.Alignment()])
    ```

    References:
        - [Wang & Isola, 2020](https://arxiv.org/abs/2005.10242),
          Understanding Contrastive Representation Learning through Alignment
          and Uniformity on the Hypersphere.
    """

    def __init__(self, alpha=2.0, normalize=True, name="alignment", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.alpha = check_positive("alpha", alpha)
        self.normalize = check_bool("normalize", normalize)
        self.distance_sum = self._sum_var("distance_sum")
        self.pair_count = self._sum_var("pair_count")
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        emb = embeddings_of(y_pred, self.normalize)
        labels = standardize_labels(y_true, emb.shape[0])
        same = ops.cast(ops.equal(labels[:, None], labels[None, :]), "float32")
        weights = upper_pair_weights(ops.shape(emb)[0], sample_weight) * same
        dist = safe_sqrt(pairwise_squared_distance(emb))
        self.distance_sum.assign_add(
            ops.sum(weights * ops.power(dist, self.alpha))
        )
        self.pair_count.assign_add(ops.sum(weights))

    def result(self):
        return ops.divide_no_nan(self.distance_sum, self.pair_count)

    def get_config(self):
        config = super().get_config()
        config.update(alpha=self.alpha, normalize=self.normalize)
        return config

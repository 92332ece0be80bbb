"""Uniformity of embeddings on the hypersphere (Wang & Isola, 2020)."""

from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.metrics._pairs import PairSumMetric
from kzoo.metrics._pairs import embeddings_of
from kzoo.metrics._pairs import upper_pair_weights
from kzoo.ops.pairwise import pairwise_squared_distance


@kzoo_export("kzoo.metrics.Uniformity")
class Uniformity(PairSumMetric):
    """Uniformity loss `log E exp(−t‖f(x) − f(y)‖²)` over in-batch pairs.

    Lower (more negative) is more uniform. Wang & Liu (2021) use it to show
    that a smaller contrastive temperature spreads embeddings more uniformly;
    their plots show `−L_unif`.

    Formula (pairs `i < j` of each batch, sample weights `w`):

    ```
    L_unif = log( Σ_batches Σ_{i<j} w_i w_j exp(−t‖z_i − z_j‖²)
                  / Σ_batches Σ_{i<j} w_i w_j )
    ```

    What streams: the state is the two sums (sum-reducible across replicas
    and batches); `result()` takes the log once. The estimate is therefore
    exactly the mean of `exp(−t d²)` over *all within-batch pairs seen*, not
    a mean of per-batch logs; cross-batch pairs are never formed, so it
    estimates the dataset expectation from within-batch pairs (unbiased for
    shuffled batches). `y_true` is ignored.

    Args:
        t: the kernel scale `t` (positive). Defaults to `2.0`.
        normalize: L2-normalize the embeddings first. Defaults to `True`.
        name: metric name. Defaults to `"uniformity"`.
        dtype: metric dtype. Defaults to `None` (float32).

    Example:

    ```python
    model.compile(optimizer="adam", loss=kzoo.losses.NTXentLoss(0.1),
                  metrics=[kzoo.metrics.Uniformity()])
    ```

    References:
        - [Wang & Isola, 2020](https://arxiv.org/abs/2005.10242),
          Understanding Contrastive Representation Learning through Alignment
          and Uniformity on the Hypersphere.
        - [Wang & Liu, 2021](https://arxiv.org/abs/2012.09740), Understanding
          the Behaviour of Contrastive Loss.
    """

    def __init__(self, t=2.0, normalize=True, name="uniformity", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.t = check_positive("t", t)
        self.normalize = check_bool("normalize", normalize)
        self.kernel_sum = self._sum_var("kernel_sum")
        self.pair_count = self._sum_var("pair_count")
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        emb = embeddings_of(y_pred, self.normalize)
        weights = upper_pair_weights(ops.shape(emb)[0], sample_weight)
        sq = pairwise_squared_distance(emb)
        self.kernel_sum.assign_add(ops.sum(weights * ops.exp(-self.t * sq)))
        self.pair_count.assign_add(ops.sum(weights))

    def result(self):
        mean = ops.divide_no_nan(self.kernel_sum, self.pair_count)
        return ops.where(
            self.pair_count > 0, ops.log(ops.maximum(mean, 1e-38)), 0.0
        )

    def get_config(self):
        config = super().get_config()
        config.update(t=self.t, normalize=self.normalize)
        return config

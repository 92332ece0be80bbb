"""Tolerance to semantically similar samples (Wang & Liu, 2021)."""

from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import labels as standardize_labels
from kzoo.api_export import kzoo_export
from kzoo.metrics._pairs import PairSumMetric
from kzoo.metrics._pairs import embeddings_of
from kzoo.metrics._pairs import upper_pair_weights

MODES = ("same_class_mean", "all_pairs_mean")


@kzoo_export("kzoo.metrics.Tolerance")
class Tolerance(PairSumMetric):
    """Tolerance: how similar same-class embeddings are (higher = closer).

    Wang & Liu (2021) measure how much a contrastive model tolerates
    semantically similar samples by the similarity of same-class pairs. The
    paper's formula is an expectation over *all* pairs with different-class
    pairs counted as 0; its plots read as the mean over same-class pairs.
    Both are offered, named by what they average (on the paper's own
    example the two differ: 0.800 vs 0.267).

    Formula (cosine similarity `s_ij = z_iᵀz_j`, pairs `i < j`, class
    labels `l`):

    ```
    "same_class_mean":  T = Σ_{l_i = l_j} s_ij / #{i<j : l_i = l_j}
    "all_pairs_mean":   T = Σ_{l_i = l_j} s_ij / #{i<j}
    ```

    What streams: the same-class similarity sum and both pair counts
    (sum-reducible), so the result is exactly the mean over all
    within-batch pairs seen. Cross-batch pairs are not formed; with random
    batches this is an unbiased estimate of the dataset expectation. Sample
    weights weight pair `(i, j)` by `w_i w_j`.

    Args:
        mode: `"same_class_mean"` or `"all_pairs_mean"`. Defaults to
            `"same_class_mean"`.
        normalize: L2-normalize the embeddings first. Defaults to `True`.
        name: metric name. Defaults to `"tolerance"`.
        dtype: metric dtype. Defaults to `None` (float32).

    Example:

    ```python
    tol = kzoo.metrics.Tolerance(mode="all_pairs_mean")
    tol.update_state(class_labels, embeddings)
    print(float(tol.result()))
    ```

    References:
        - [Wang & Liu, 2021](https://arxiv.org/abs/2012.09740), Understanding
          the Behaviour of Contrastive Loss, CVPR 2021.
    """

    def __init__(
        self,
        mode="same_class_mean",
        normalize=True,
        name="tolerance",
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype)
        if mode not in MODES:
            raise ValueError(
                f"Invalid value for argument `mode`. Expected one of {MODES}. "
                f"Received: mode={mode!r}"
            )
        self.mode = mode
        self.normalize = check_bool("normalize", normalize)
        self.similarity_sum = self._sum_var("similarity_sum")
        self.same_count = self._sum_var("same_count")
        self.pair_count = self._sum_var("pair_count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        emb = embeddings_of(y_pred, self.normalize)
        labels = standardize_labels(y_true, emb.shape[0])
        same = ops.cast(ops.equal(labels[:, None], labels[None, :]), "float32")
        weights = upper_pair_weights(ops.shape(emb)[0], sample_weight)
        sims = ops.matmul(emb, ops.transpose(emb))
        self.similarity_sum.assign_add(ops.sum(weights * same * sims))
        self.same_count.assign_add(ops.sum(weights * same))
        self.pair_count.assign_add(ops.sum(weights))

    def result(self):
        count = (
            self.same_count
            if self.mode == "same_class_mean"
            else self.pair_count
        )
        return ops.divide_no_nan(self.similarity_sum, count)

    def get_config(self):
        config = super().get_config()
        config.update(mode=self.mode, normalize=self.normalize)
        return config

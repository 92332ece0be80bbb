"""NT-Xent / InfoNCE loss over all positive pairs of a batch."""

from keras import ops

from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.losses.in_batch_negative_loss import InBatchNegativeLoss
from kzoo.losses.twins import functional_twin


@kzoo_export("kzoo.losses.NTXentLoss")
class NTXentLoss(InBatchNegativeLoss):
    """Normalized temperature-scaled cross-entropy (NT-Xent, InfoNCE).

    Every positive pair `(i, p)` of the batch is a softmax classification of
    `p` against the negatives of anchor `i`; the loss is the mean over all
    positive pairs. For SimCLR, give the two augmented views of an image the
    same label. Labels may repeat more than twice (several positives per
    anchor), in which case each positive pair is its own term — the
    pytorch-metric-learning convention; this is the base of kzoo's contrastive
    family.

    Formula (cosine similarity S, temperature τ, Pᵢ positives, Nᵢ negatives):

    ```
    ℓ_ip = −log( exp(S_ip/τ) / (exp(S_ip/τ) + Σ_{n∈Nᵢ} exp(S_in/τ)) )
         = softplus( log Σ_{n∈Nᵢ} exp(S_in/τ) − S_ip/τ )
    L = (1/|P|) Σ_{(i,p)∈P} ℓ_ip
    ```

    Per-anchor values are each anchor's share of that mean, scaled by the
    batch size (so the default reduction gives `L`). An anchor without
    negatives contributes 0; a batch without positive pairs gives 0. Equals
    pytorch-metric-learning's `NTXentLoss(temperature)`, value and gradient
    (which adds a `1e-38` inside its log; kzoo works in log space, so the two
    differ only when a probability underflows float32).

    Args:
        temperature: τ (positive). Defaults to `0.07`.
        distance: a `kzoo.distances.Distance`; a distance (not similarity) is
            negated. Defaults to `kzoo.distances.CosineSimilarity()`.
        miner: a `kzoo.miners.Miner`, or `None` for every pair. Defaults to
            `None`.
        {{in_batch_args}}
        {{loss_args}}

    Example:

    ```python
    # views: [2N, ...] two augmentations per image; ids: [2N] image ids
    model.compile(optimizer="adam",
                  loss=kzoo.losses.NTXentLoss(temperature=0.1))
    model.fit(views, ids)
    ```

    References:
        - [Chen et al., 2020](https://arxiv.org/abs/2002.05709), SimCLR.
        - [Sohn, 2016](https://papers.nips.cc/paper/6200), N-pair loss.
        - [van den Oord et al., 2018](https://arxiv.org/abs/1807.03748),
          InfoNCE.
    """

    def __init__(
        self,
        temperature=0.07,
        distance=None,
        miner=None,
        name="ntxent_loss",
        reduction="sum_over_batch_size",
        dtype=None,
        chunk_size=None,
        gather_across_replicas=False,
    ):
        super().__init__(
            distance=distance,
            miner=miner,
            chunk_size=chunk_size,
            gather_across_replicas=gather_across_replicas,
            name=name,
            reduction=reduction,
            dtype=dtype,
        )
        self.temperature = check_positive("temperature", temperature)

    def pair_term(self, logits, lse):
        # −log(e^{L_ip} / (e^{L_ip} + e^{lse_i})), lse over the negatives
        return ops.softplus(lse - logits)


ntxent = kzoo_export("kzoo.losses.ntxent")(
    functional_twin(NTXentLoss, "ntxent")
)

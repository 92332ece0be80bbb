"""Cauchy–Schwarz quadratic mutual information loss: the CS-IB compression
term (Yu et al., ICLR 2024)."""

from kzoo._validation import check_batch
from kzoo._validation import check_bool
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.losses.information.cauchy_schwarz_math import as_matrix
from kzoo.losses.information.cauchy_schwarz_math import cs_qmi_estimate
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin


@kzoo_export("kzoo.losses.CSQMILoss")
class CSQMILoss(Loss):
    """Cauchy–Schwarz quadratic mutual information: the CS-IB compression
    term I_CS(x; t) between the input x and a latent t.

    Formula (K = κ(x, x), Q = κ(t, t) over a batch of N; logs base 2):

    ```
    I_CS(x; t) = log(tr(KQ)/N²) + log(1ᵀK1 · 1ᵀQ1 / N⁴) − 2 log(1ᵀKQ1 / N³)
    normalized:  I_CS(x; t) / ( sqrt(I_CS(x; x)) · sqrt(I_CS(t; t)) )
    ```

    I_CS ≥ 0 (Cauchy–Schwarz), and the normalized form is 1 when t = x. The
    official training script minimizes the normalized form
    (`CS_QMI_normalized`), kzoo's default; `normalized=False` gives the raw
    estimator of Prop. 2.

    {{cs_kernel}}

    `y_true` is the input x `[B, ...]` (flattened per sample) and `y_pred`
    the latent t `[B, ...]`. Weight it with β through `loss_weights` (the
    official default is β = 0.01; the paper sweeps 1e-4 … 1). See
    `ConditionalCSDivergenceLoss` for a complete CS-IB model.

    Args:
        sigma: kernel width σ > 0 (shared by x and t). Defaults to `1.0`.
        normalized: divide by sqrt(I(x;x)·I(t;t)). Defaults to `True`.
        {{loss_args}}

    Example:

    ```python
    loss = kzoo.losses.CSQMILoss(sigma=1.0)
    value = loss(x_batch, latent_batch)
    ```

    References:
        - [Yu et al., 2024](https://openreview.net/forum?id=7wY67ZDQTE),
          Cauchy–Schwarz Divergence Information Bottleneck for Regression,
          ICLR 2024.
    """

    batch_level = True

    def __init__(
        self,
        sigma=1.0,
        normalized=True,
        name="csqmi_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.sigma = check_positive("sigma", sigma)
        self.normalized = check_bool("normalized", normalized)

    def standardize_inputs(self, y_true, y_pred):
        # The input x and the latent t, each flattened per sample (their
        # widths differ): no `kzoo.losses.inputs` kind has this pair.
        x = as_matrix(y_true, self.dtype)
        t = as_matrix(y_pred, self.dtype)
        check_batch("y_true", x, t.shape[0])
        return x, t

    def call(self, x, t):
        return cs_qmi_estimate(x, t, self.sigma, self.normalized)


csqmi = kzoo_export("kzoo.losses.csqmi")(functional_twin(CSQMILoss, "csqmi"))

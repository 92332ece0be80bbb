"""AdaMEOW: InfoNCE whose negative weights a small network learns."""

import keras
from keras import ops

from kzoo import ops as kops
from kzoo._validation import check_bool
from kzoo._validation import check_integer
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.ops.reductions import diagonal
from kzoo.ops.reductions import weighted_nce


@kzoo_export("kzoo.layers.AdaptiveWeightedInfoNCE")
class AdaptiveWeightedInfoNCE(keras.layers.Layer):
    """AdaMEOW's weighted InfoNCE with learned pair weights.

    Instead of MEOW's cluster-derived weights
    (`kzoo.losses.WeightedInfoNCE`), a two-layer network scores every pair
    (anchor i, other-view node j) with a soft weight in (0, 1) from the sum
    of the two embeddings; the weights multiply the terms of the InfoNCE
    denominator. Since the network has weights it is a layer, which returns
    the per-sample losses and (by default) adds their mean to the model
    losses.

    Formula (a anchor view — AdaMEOW uses the fine view —, o the other, both
    L2-normalized; τ temperature):

    ```
    w_ij = σ( v · tanh(W (a_i + o_j) + b) + c )      (diagonal included)
    ℓ_i = −a_i·o_i/τ + log Σ_j w_ij · exp(a_i·o_j/τ)
    ```

    Inputs: `[anchor (B, D), other (B, D)]`. Output: `(B,)` losses.

    Args:
        temperature: τ (positive). Defaults to `1.0` (AdaMEOW on ACM;
            0.9 on DBLP).
        hidden_units: width of the weight network. Defaults to `16`.
        add_loss: add the mean loss to the model losses. Defaults to `True`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:

    ```python
    loss = kzoo.layers.AdaptiveWeightedInfoNCE(temperature=0.9)(
        [z_fine, z_coarse])
    model = keras.Model(inputs, loss)
    model.compile("adam")    # the layer added the loss
    ```

    References:
        - Yu et al., *Heterogeneous graph contrastive learning with
          meta-path contexts and adaptively weighted negative samples*
          (AdaMEOW), TKDE 2024; code https://github.com/jianxiangyu/MEOW
          (`code_adameow/module/adameow.py`).
    """

    def __init__(
        self, temperature=1.0, hidden_units=16, add_loss=True, **kwargs
    ):
        super().__init__(**kwargs)
        self.temperature = check_positive("temperature", temperature)
        self.hidden_units = check_integer("hidden_units", hidden_units)
        if hidden_units < 1:
            raise ValueError(
                "`hidden_units` must be a positive integer. "
                f"Received: hidden_units={hidden_units!r}"
            )
        self.add_loss_ = check_bool("add_loss", add_loss)

    def build(self, input_shape):
        d = input_shape[0][-1]
        self.kernel = self.add_weight(
            name="kernel",
            shape=(d, self.hidden_units),
            dtype="float32",
            autocast=False,
        )
        self.bias = self.add_weight(
            name="bias",
            shape=(self.hidden_units,),
            initializer="zeros",
            dtype="float32",
            autocast=False,
        )
        self.score = self.add_weight(
            name="score",
            shape=(self.hidden_units, 1),
            dtype="float32",
            autocast=False,
        )
        self.score_bias = self.add_weight(
            name="score_bias",
            shape=(1,),
            initializer="zeros",
            dtype="float32",
            autocast=False,
        )

    def pair_weights(self, anchor, other):
        """The learned weights `w_ij` `(B, B)`."""
        a = ops.matmul(anchor, self.kernel)
        o = ops.matmul(other, self.kernel)
        hid = ops.tanh(a[:, None, :] + o[None, :, :] + self.bias)
        gate = ops.squeeze(ops.matmul(hid, self.score), -1) + self.score_bias
        return ops.sigmoid(gate)

    def call(self, inputs):
        anchor, other = inputs
        anchor = kops.l2_normalize(ops.cast(anchor, "float32"))
        other = kops.l2_normalize(ops.cast(other, "float32"))
        logits = ops.matmul(anchor, ops.transpose(other)) / self.temperature
        weights = self.pair_weights(anchor, other)
        losses = weighted_nce(logits, diagonal(logits), weights)
        if self.add_loss_:
            self.add_loss(ops.mean(losses))
        return losses

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0],)

    def get_config(self):
        config = super().get_config()
        config.update(
            temperature=self.temperature,
            hidden_units=self.hidden_units,
            add_loss=self.add_loss_,
        )
        return config

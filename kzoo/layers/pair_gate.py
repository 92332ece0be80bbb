"""SimLAP's class-pair-conditioned gate (Rethinking Positive Pairs, 2024)."""

import keras
from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import check_integer
from kzoo.api_export import kzoo_export
from kzoo.ops.norms import l2_normalize

PAIRINGS = ("arbitrary", "distinct", "identical")
VARIANTS = ("fastssl", "paper")


def _positive_int(name, value, minimum=1):
    check_integer(name, value)
    if value < minimum:
        raise ValueError(
            f"`{name}` must be at least {minimum}. Received: {name}={value}"
        )
    return value


@kzoo_export("kzoo.layers.PairGate")
class PairGate(keras.layers.Layer):
    """Gate that conditions similarities on a (possibly different) class pair.

    SimLAP ("learning from arbitrary pairs") draws for every anchor a second
    class `y2` and treats samples of class `y2` as its positives. A learned
    label embedding and MLP produce a feature gate `g ∈ (0, 1)^d` for the
    class pair, so that only the feature subspace the two classes share has
    to agree. Called on `(z1, z2, y1)`, it returns the `[B, B]` gated logits
    and the `[B, 2]` label pairs `(y1, y2)` to feed
    `kzoo.losses.MultiPositiveInfoNCELoss` (through the layer's own
    `add_loss` when `loss` is given).

    Formula:

    ```
    y2 ("arbitrary") = y1[randperm(B)],  ("distinct") = (y1 + U{1..C−1}) mod C,
       ("identical") = y1
    fuse=True:  g_i = σ(MLP((E[y1_i] + E[y2_i]) / 2))
    fuse=False: g_i = σ(MLP(E[y1_i])) ⊙ σ(MLP(E[y2_i]))
    MLP = ReLU → BN → Dense(hidden) → ReLU → BN → Dense(d)
    "fastssl": ℓ_ij = (n(z1_i) ⊙ g_i ⊙ g_i) · n(z2_j)
    "paper":   ℓ_ij = n(z1_i ⊙ g_i) · n(z2_j ⊙ g_i)              (B·B·d memory)
    ```

    `n` is L2 normalization. The FastSSL code multiplies its logits by a
    learnable `exp(σ_T)` (initialised to 1/τ); here the temperature is the
    loss's `temperature`. A `keras.random.SeedGenerator` draws the pairing,
    so it is jit-safe and reproducible with `seed`.

    Args:
        num_classes: number of classes `C`.
        embed_dim: label-embedding width. Defaults to `512`.
        hidden_dim: MLP hidden width. Defaults to `1024`.
        pairing: `"arbitrary"`, `"distinct"` or `"identical"`. Defaults to
            `"arbitrary"`.
        fuse: gate on the mean of the two label embeddings (else the product
            of two gates). Defaults to `True`.
        variant: logit construction, `"fastssl"` or `"paper"`. Defaults to
            `"fastssl"`.
        loss: a `kzoo.losses.MultiPositiveInfoNCELoss` to add with
            `add_loss`, or `None`. Defaults to `None`.
        seed: seed of the pairing. Defaults to `None`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:

    ```python
    gate = kzoo.layers.PairGate(
        num_classes=10,
        loss=kzoo.losses.MultiPositiveInfoNCELoss(temperature=0.1))
    logits, pairs = gate([z1, z2, labels])
    ```

    References:
        - [Wu et al., 2024](https://arxiv.org/abs/2410.18200), Rethinking
          Positive Pairs in Contrastive Learning.
    """

    def __init__(
        self,
        num_classes,
        embed_dim=512,
        hidden_dim=1024,
        pairing="arbitrary",
        fuse=True,
        variant="fastssl",
        loss=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_classes = _positive_int("num_classes", num_classes, 2)
        self.embed_dim = _positive_int("embed_dim", embed_dim)
        self.hidden_dim = _positive_int("hidden_dim", hidden_dim)
        if pairing not in PAIRINGS:
            raise ValueError(
                "Invalid value for argument `pairing`. Expected one of "
                f"{PAIRINGS}. Received: pairing={pairing!r}"
            )
        if variant not in VARIANTS:
            raise ValueError(
                "Invalid value for argument `variant`. Expected one of "
                f"{VARIANTS}. Received: variant={variant!r}"
            )
        self.pairing = pairing
        self.fuse = check_bool("fuse", fuse)
        self.variant = variant
        if isinstance(loss, dict):
            loss = keras.saving.deserialize_keras_object(loss)
        self.contrastive_loss = loss
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.label_embedding = keras.layers.Embedding(
            num_classes, embed_dim, name="label_embedding"
        )
        self.bn1 = keras.layers.BatchNormalization(name="bn1")
        self.dense1 = keras.layers.Dense(hidden_dim, name="dense1")
        self.bn2 = keras.layers.BatchNormalization(name="bn2")
        self.dense2 = None

    def build(self, input_shape):
        dim = input_shape[0][-1]
        self.label_embedding.build((None,))
        self.bn1.build((None, self.embed_dim))
        self.dense1.build((None, self.embed_dim))
        self.bn2.build((None, self.hidden_dim))
        self.dense2 = keras.layers.Dense(dim, name="dense2")
        self.dense2.build((None, self.hidden_dim))

    def _mlp(self, e, training):
        h = self.bn1(ops.relu(e), training=training)
        h = self.bn2(ops.relu(self.dense1(h)), training=training)
        return self.dense2(h)

    def second_labels(self, y1):
        """Draw `y2` for every anchor according to `pairing`."""
        if self.pairing == "identical":
            return y1
        if self.pairing == "distinct":
            shift = keras.random.randint(
                ops.shape(y1),
                1,
                self.num_classes,
                seed=self.seed_generator,
                dtype="int32",
            )
            return (y1 + shift) % self.num_classes
        order = keras.random.shuffle(
            ops.arange(ops.shape(y1)[0], dtype="int32"),
            seed=self.seed_generator,
        )
        return ops.take(y1, order)

    def gate(self, y1, y2, training=None):
        e1 = ops.cast(self.label_embedding(y1), "float32")
        e2 = ops.cast(self.label_embedding(y2), "float32")
        if self.fuse:
            return ops.sigmoid(self._mlp(0.5 * (e1 + e2), training))
        g1 = ops.sigmoid(self._mlp(e1, training))
        return g1 * ops.sigmoid(self._mlp(e2, training))

    def call(self, inputs, training=None):
        z1, z2, y1 = inputs
        y1 = ops.cast(ops.reshape(y1, (-1,)), "int32")
        y2 = self.second_labels(y1)
        g = ops.cast(self.gate(y1, y2, training), "float32")
        z1 = ops.cast(z1, "float32")
        z2 = ops.cast(z2, "float32")
        if self.variant == "fastssl":
            a = l2_normalize(z1) * g * g
            logits = ops.matmul(a, ops.transpose(l2_normalize(z2)))
        else:
            a = l2_normalize(z1 * g)
            b = l2_normalize(z2[None, :, :] * g[:, None, :])
            logits = ops.sum(a[:, None, :] * b, axis=-1)
        pairs = ops.stack([y1, y2], axis=1)
        if self.contrastive_loss is not None:
            self.add_loss(self.contrastive_loss(pairs, logits))
        return logits, pairs

    def compute_output_shape(self, input_shape):
        b = input_shape[0][0]
        return (b, b), (b, 2)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_classes=self.num_classes,
            embed_dim=self.embed_dim,
            hidden_dim=self.hidden_dim,
            pairing=self.pairing,
            fuse=self.fuse,
            variant=self.variant,
            loss=None
            if self.contrastive_loss is None
            else keras.saving.serialize_keras_object(self.contrastive_loss),
            seed=self.seed,
        )
        return config

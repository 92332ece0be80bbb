"""`FaceEmbedder`: raw pixels in, unit-norm face embeddings out."""

import keras
import numpy as np
from keras import layers

from kzoo._validation import check_integer
from kzoo._validation import check_number
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.applications.face.backbones import BACKBONES
from kzoo.applications.face.backbones import build_backbone
from kzoo.layers import L2Normalization


def _check_min_int(name, value, minimum):
    check_integer(name, value)
    if value < minimum:
        raise ValueError(
            f"`{name}` must be an integer >= {minimum}. "
            f"Received: {name}={value!r}"
        )
    return value


@kzoo_export("kzoo.applications.face.FaceEmbedder")
class FaceEmbedder(keras.Model):
    """A face-embedding model with its preprocessing inside the graph.

    Input: aligned faces as raw pixels, `[N, input_size, input_size, 3]`,
    values 0–255 (uint8 arrays are accepted by `embed`). The graph resizes to
    `image_size` when `input_size` differs, normalizes to
    `(x − 127.5) / 128`, runs the backbone, and L2-normalizes, so a deployed
    TFLite model is fed raw pixels and returns unit-norm embeddings.

    Two faces are the same identity when the cosine similarity of their
    embeddings is at least `threshold` (calibrated on held-out identities and
    stored with the preset).

    Args:
        backbone: `"mobilefacenet"` (default) or `"iresnet18"`,
            `"iresnet34"`, `"iresnet50"`.
        embedding_dim: embedding size. Defaults to `128`.
        image_size: the backbone's input resolution. Defaults to `112`
            (the standard aligned-face crop).
        input_size: the raw input resolution; `None` means `image_size`.
        width: channel-width multiplier. Defaults to `1.0`.
        threshold: cosine-similarity decision threshold for `verify`.
            Defaults to `0.3`.
        activation: MobileFaceNet's activation, `"prelu"` (the paper's,
            default) or `"relu"` (faster full-integer TFLite kernels).
        blocks: MobileFaceNet's five bottleneck repeat counts; `None` is
            the paper's `(5, 1, 6, 1, 2)`. Smaller values give a shallower,
            faster model.
        **kwargs: `keras.Model` arguments (`name`, `trainable`, ...).

    Example:

    >>> embedder = FaceEmbedder("mobilefacenet", image_size=112)
    >>> faces = np.zeros((2, 112, 112, 3), "uint8")
    >>> embedder.embed(faces).shape
    (2, 128)

    References:
        Chen et al., *MobileFaceNets*, CCBR 2018; Deng et al., *ArcFace*,
        CVPR 2019.
    """

    def __init__(
        self,
        backbone="mobilefacenet",
        embedding_dim=128,
        image_size=112,
        input_size=None,
        width=1.0,
        threshold=0.3,
        activation="prelu",
        blocks=None,
        **kwargs,
    ):
        if backbone not in BACKBONES:
            raise ValueError(
                f"`backbone` must be one of {sorted(BACKBONES)}. "
                f"Received: backbone={backbone!r}"
            )
        embedding_dim = _check_min_int("embedding_dim", embedding_dim, 1)
        image_size = _check_min_int("image_size", image_size, 16)
        if input_size is not None:
            input_size = _check_min_int("input_size", input_size, 16)
        width = check_positive("width", width)
        threshold = check_number("threshold", threshold)
        if blocks is not None:
            if (
                not isinstance(blocks, (list, tuple))
                or len(blocks) != 5
                or not all(isinstance(b, int) and b >= 1 for b in blocks)
            ):
                raise ValueError(
                    "`blocks` must be 5 positive integers (MobileFaceNet's "
                    f"bottleneck repeats). Received: blocks={blocks!r}"
                )
            blocks = tuple(blocks)
        raw = input_size or image_size
        inputs = keras.Input((raw, raw, 3), name="pixels")
        x = inputs
        if raw != image_size:
            x = layers.Resizing(image_size, image_size, name="resize")(x)
        x = layers.Rescaling(1 / 128, offset=-127.5 / 128, name="normalize")(x)
        x = build_backbone(
            backbone, x, embedding_dim, width, activation, blocks
        )
        outputs = L2Normalization(name="embedding")(x)
        kwargs.setdefault("name", f"face_embedder_{backbone}")
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self.backbone_name = backbone
        self.embedding_dim = embedding_dim
        self.image_size = image_size
        self.input_size = input_size
        self.width = width
        self.threshold = threshold
        self.activation = activation
        self.blocks = blocks

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "backbone": self.backbone_name,
            "embedding_dim": self.embedding_dim,
            "image_size": self.image_size,
            "input_size": self.input_size,
            "width": self.width,
            "threshold": self.threshold,
            "activation": self.activation,
            "blocks": None if self.blocks is None else list(self.blocks),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    @classmethod
    def from_preset(cls, name_or_dir, cache_dir=None):
        """Loads a preset folder or a registered preset name (downloaded
        and verified by `kzoo.hub`; see `kzoo presets`)."""
        from kzoo import hub

        model = hub.load_preset(name_or_dir, cache_dir=cache_dir)
        if not isinstance(model, cls):
            raise ValueError(
                f"The preset {name_or_dir!r} holds a "
                f"{type(model).__name__}, not a {cls.__name__}."
            )
        return model

    def save_to_preset(self, directory, metadata=None):
        """Writes `config.json` and `model.weights.h5` (and metadata)."""
        from kzoo import hub

        return hub.save_preset(self, directory, metadata=metadata)

    def _check_images(self, images):
        images = np.asarray(images)
        raw = self.input_size or self.image_size
        if images.ndim == 3:
            images = images[None]
        if images.ndim != 4 or images.shape[1:] != (raw, raw, 3):
            raise ValueError(
                f"`images` must have shape [N, {raw}, {raw}, 3]. "
                f"Received: images.shape={images.shape}"
            )
        return images.astype("float32")

    def embed(self, images, batch_size=64):
        """Unit-norm embeddings of aligned faces, as a NumPy array.

        Args:
            images: `[N, H, W, 3]` (or one `[H, W, 3]` face), uint8 or float
                pixels 0–255, at the model's input size.
            batch_size: inference batch size. Defaults to `64`.

        Returns:
            float32 `[N, embedding_dim]`.
        """
        images = self._check_images(images)
        out = self.predict(images, batch_size=batch_size, verbose=0)
        return np.asarray(out, dtype="float32")

    def verify(self, a, b, threshold=None):
        """Cosine similarity of face pairs and the same-identity decision.

        Args:
            a, b: faces, `[N, H, W, 3]` each (or one face each).
            threshold: overrides the calibrated `self.threshold`.

        Returns:
            `(similarity, same)`: float32 `[N]` and bool `[N]`.
        """
        ea, eb = self.embed(a), self.embed(b)
        similarity = np.sum(ea * eb, axis=-1)
        t = self.threshold if threshold is None else float(threshold)
        return similarity, similarity >= t

"""Face-embedding backbones written in Keras 3: MobileFaceNet and IResNet.

Both map aligned faces (`[N, H, W, 3]`, already normalized to about [-1, 1])
to an un-normalized embedding; `FaceEmbedder` adds pixel preprocessing and
L2 normalization around them.
"""

import keras
from keras import layers

# MobileFaceNet (Chen et al., 2018, Table 1): (expansion t, channels c,
# repeats n, first stride s) of the bottleneck stages between the 3x3 stem
# conv + 3x3 depthwise conv and the 1x1 512 conv + 7x7 global depthwise conv.
MOBILEFACENET_STAGES = (
    (2, 64, 5, 2),
    (4, 128, 1, 2),
    (2, 128, 6, 1),
    (4, 128, 1, 2),
    (2, 128, 2, 1),
)

IRESNET_DEPTHS = {
    "iresnet18": (2, 2, 2, 2),
    "iresnet34": (3, 4, 6, 3),
    "iresnet50": (3, 4, 14, 3),
}


def _channels(c, width):
    return max(8, int(round(c * width / 8)) * 8)


def _activation(x, activation, name):
    if activation == "prelu":
        return layers.PReLU(shared_axes=[1, 2], name=f"{name}_prelu")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def _conv_bn(
    x, filters, kernel, strides, name, act=True, groups=1, activation="prelu"
):
    x = layers.Conv2D(
        filters,
        kernel,
        strides=strides,
        padding="same",
        use_bias=False,
        groups=groups,
        name=f"{name}_conv",
    )(x)
    x = layers.BatchNormalization(epsilon=1e-5, name=f"{name}_bn")(x)
    if act:
        x = _activation(x, activation, name)
    return x


def _dw_bn(
    x, kernel, strides, name, act=True, padding="same", activation="prelu"
):
    x = layers.DepthwiseConv2D(
        kernel,
        strides=strides,
        padding=padding,
        use_bias=False,
        name=f"{name}_dw",
    )(x)
    x = layers.BatchNormalization(epsilon=1e-5, name=f"{name}_bn")(x)
    if act:
        x = _activation(x, activation, name)
    return x


def _bottleneck(x, expansion, filters, strides, name, activation):
    in_channels = x.shape[-1]
    y = _conv_bn(
        x,
        in_channels * expansion,
        1,
        1,
        f"{name}_expand",
        activation=activation,
    )
    y = _dw_bn(y, 3, strides, f"{name}_depthwise", activation=activation)
    y = _conv_bn(y, filters, 1, 1, f"{name}_project", act=False)
    if strides == 1 and in_channels == filters:
        y = layers.Add(name=f"{name}_add")([x, y])
    return y


def mobilefacenet(
    inputs,
    embedding_dim=128,
    width=1.0,
    activation="prelu",
    blocks=None,
    name="mobilefacenet",
):
    """MobileFaceNet on a Keras tensor; returns the embedding tensor.

    Architecture (Chen, Liu, Gao, Han, *MobileFaceNets*, CCBR 2018, Table 1):
    3x3/2 conv 64 → 3x3 depthwise 64 → bottlenecks (t, c, n, s) = (2, 64, 5,
    2), (4, 128, 1, 2), (2, 128, 6, 1), (4, 128, 1, 2), (2, 128, 2, 1) → 1x1
    conv 512 → global depthwise conv (kernel = the feature map, 7x7 at 112
    px) → linear 1x1 conv to `embedding_dim` + BN. PReLU activations, linear
    bottleneck outputs. `width` scales every channel count (1.0 is the
    paper's model, about 1.0 M parameters at embedding_dim=128).
    `activation="relu"` swaps PReLU for ReLU, which full-integer TFLite
    kernels run much faster (see `docs/applications/face.md`). `blocks`
    overrides the bottleneck repeats n of the five stages (default the
    paper's `(5, 1, 6, 1, 2)`).
    """
    stages = MOBILEFACENET_STAGES
    if blocks is not None:
        stages = tuple(
            (t, c_, n, s) for (t, c_, _, s), n in zip(stages, blocks)
        )
    c = lambda n: _channels(n, width)  # noqa: E731
    a = activation
    x = _conv_bn(inputs, c(64), 3, 2, f"{name}_stem", activation=a)
    x = _dw_bn(x, 3, 1, f"{name}_stem_dw", activation=a)
    for stage, (t, filters, repeats, stride) in enumerate(stages):
        for i in range(repeats):
            x = _bottleneck(
                x,
                t,
                c(filters),
                stride if i == 0 else 1,
                f"{name}_s{stage}_b{i}",
                a,
            )
    x = _conv_bn(x, c(512), 1, 1, f"{name}_conv_sep", activation=a)
    h, w = x.shape[1], x.shape[2]
    x = _dw_bn(x, (h, w), 1, f"{name}_gdconv", act=False, padding="valid")
    x = layers.Conv2D(
        embedding_dim, 1, use_bias=False, name=f"{name}_linear_conv"
    )(x)
    x = layers.BatchNormalization(epsilon=1e-5, name=f"{name}_linear_bn")(x)
    return layers.Flatten(name=f"{name}_embedding")(x)


def _ir_block(x, filters, strides, name):
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(
            filters, 1, strides=strides, use_bias=False, name=f"{name}_down"
        )(x)
        shortcut = layers.BatchNormalization(
            epsilon=1e-5, name=f"{name}_down_bn"
        )(shortcut)
    y = layers.BatchNormalization(epsilon=1e-5, name=f"{name}_bn1")(x)
    y = layers.Conv2D(
        filters, 3, padding="same", use_bias=False, name=f"{name}_conv1"
    )(y)
    y = layers.BatchNormalization(epsilon=1e-5, name=f"{name}_bn2")(y)
    y = layers.PReLU(shared_axes=[1, 2], name=f"{name}_prelu")(y)
    y = layers.Conv2D(
        filters,
        3,
        strides=strides,
        padding="same",
        use_bias=False,
        name=f"{name}_conv2",
    )(y)
    y = layers.BatchNormalization(epsilon=1e-5, name=f"{name}_bn3")(y)
    return layers.Add(name=f"{name}_add")([shortcut, y])


def iresnet(inputs, depth="iresnet18", embedding_dim=128, width=1.0, name=None):
    """Improved ResNet (IResNet) on a Keras tensor; returns the embedding.

    The ArcFace/insightface variant (Duta et al., *Improved Residual
    Networks*, 2020; Deng et al., *ArcFace*, CVPR 2019): 3x3 conv 64 + BN +
    PReLU stem at full resolution, four stages of BN-conv-BN-PReLU-conv-BN
    residual blocks (64, 128, 256, 512 channels, each stage starting with
    stride 2), then BN → flatten → dense `embedding_dim` → BN.
    """
    if depth not in IRESNET_DEPTHS:
        raise ValueError(
            f"`depth` must be one of {sorted(IRESNET_DEPTHS)}. "
            f"Received: depth={depth!r}"
        )
    name = name or depth
    x = _conv_bn(inputs, _channels(64, width), 3, 1, f"{name}_stem")
    for stage, (repeats, filters) in enumerate(
        zip(IRESNET_DEPTHS[depth], (64, 128, 256, 512))
    ):
        for i in range(repeats):
            x = _ir_block(
                x,
                _channels(filters, width),
                2 if i == 0 else 1,
                f"{name}_s{stage}_b{i}",
            )
    x = layers.BatchNormalization(epsilon=1e-5, name=f"{name}_out_bn")(x)
    x = layers.Flatten(name=f"{name}_flatten")(x)
    x = layers.Dense(embedding_dim, name=f"{name}_fc")(x)
    return layers.BatchNormalization(epsilon=1e-5, name=f"{name}_features")(x)


BACKBONES = {"mobilefacenet": mobilefacenet}
BACKBONES.update(
    {
        depth: (
            lambda inputs, embedding_dim=128, width=1.0, _d=depth: iresnet(
                inputs, _d, embedding_dim, width
            )
        )
        for depth in IRESNET_DEPTHS
    }
)


def build_backbone(
    backbone,
    inputs,
    embedding_dim=128,
    width=1.0,
    activation="prelu",
    blocks=None,
):
    """Applies the named backbone to a Keras tensor."""
    if backbone not in BACKBONES:
        raise ValueError(
            f"`backbone` must be one of {sorted(BACKBONES)}. "
            f"Received: backbone={backbone!r}"
        )
    if activation not in ("prelu", "relu"):
        raise ValueError(
            "`activation` must be 'prelu' or 'relu'. "
            f"Received: activation={activation!r}"
        )
    if backbone == "mobilefacenet":
        return mobilefacenet(inputs, embedding_dim, width, activation, blocks)
    if blocks is not None:
        raise ValueError(
            "`blocks` applies to backbone='mobilefacenet' only. "
            f"Received: blocks={blocks!r}, backbone={backbone!r}"
        )
    return BACKBONES[backbone](inputs, embedding_dim=embedding_dim, width=width)


def count_params(model):
    return int(sum(keras.ops.size(w) for w in model.weights))

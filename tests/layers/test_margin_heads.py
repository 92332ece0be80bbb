import math
import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad

CE = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
X6 = np.array(
    [
        [1.0, 0.2, 0.0],
        [0.9, 0.3, 0.1],
        [0.1, 1.0, 0.2],
        [0.0, 0.8, 0.4],
        [0.2, 0.1, 1.0],
        [0.5, 0.5, 0.5],
    ],
    "float32",
)
Y6 = np.array([0, 0, 1, 1, 2, 2])

# Official UNPG code (github.com/Jung-Jun-Uk/UNPG @ a6f9c17:
# recognition/models/head.py ArcFace/CosFace/UNPG and build.py
# box_and_whisker_algorithm/convert_label_to_similarity), run in a throwaway
# harness (/tmp/unpg_ref/harness*.py: torch 2.13 CPU, float32, num_gpu = 1,
# head.weight set to W's rows) on the inputs below. The loss is
# UNPG(s, wisk)(cosine, S'_n, labels); gradients by torch.autograd.
X9 = np.array(
    [
        [1.05183768, 0.12324272, 0.04956556, -0.19547358],
        [1.13580334, 0.06695618, -0.08054298, 0.08716772],
        [1.05468583, 0.04411988, 0.00426334, 0.08200695],
        [-0.11046811, 0.97556353, -0.07231790, 0.08982693],
        [0.00595832, 0.95613146, -0.11728627, -0.03857883],
        [0.00122133, 0.95865959, 0.19410957, 0.15100865],
        [-0.40667439, -0.28335199, 0.97378421, -0.06332856],
        [0.03204645, 0.03259829, 1.31767583, -0.16680312],
        [0.92289907, -0.24721128, 0.02511971, 0.01635211],
    ],
    "float32",
)
Y9 = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
W9_ROWS = np.array(  # official layout: one row per class
    [
        [0.63179439, -0.20496801, -0.02161310, -0.28342548],
        [-0.02948099, 1.02864492, 0.01067587, -0.15188749],
        [0.17812443, 0.26735008, 1.09625447, -0.24546906],
    ],
    "float32",
)
OFFICIAL = {
    # X6, W = identity, s = 64, whisker 1.5: 12 of 12 negatives kept.
    ("X6", "arcface"): dict(
        loss=12.138936042785645,
        ce=5.044942378997803,
        gx=[
            [-1.11697960, 5.58491230, 0.02390597],
            [-9.82400513, 21.57577896, 23.68871117],
            [3.41932178, -1.56729698, 6.12684441],
            [12.08909988, -6.79796791, 13.59593391],
            [5.59130001, 2.79565167, -1.39782143],
            [17.97320175, 8.86454391, -26.83773804],
        ],
    ),
    ("X6", "cosface"): dict(
        loss=16.11249351501465,
        ce=3.8491885662078857,
        gx=[
            [-0.40614033, 2.03070498, 0.02511442],
            [-8.65619755, 18.17252350, 23.38820648],
            [1.64656687, -0.67372608, 2.54535270],
            [12.70020676, -4.92518139, 9.85036278],
            [1.98273635, 0.99137002, -0.49568272],
            [17.74003601, 8.17093277, -25.91096878],
        ],
    ),
    # X9 (sample 8 looks like class 0 but is labelled 2), s = 16,
    # whisker 1.5: 27 negatives, the 3 near 0.93 are filtered, 24 kept.
    ("X9", "arcface"): dict(
        loss=2.3414669036865234,
        gx=[
            [-0.01781980, 0.14383826, 0.05999781, 0.01001320],
            [-0.00875785, 0.09399586, 0.00601264, 0.04747045],
            [-0.00758967, 0.08807962, 0.03060754, 0.04863190],
            [0.01828249, 0.00243076, 0.00407624, -0.00063393],
            [0.13769746, -0.00058360, 0.00545743, -0.00978869],
            [0.11364111, -0.05209128, 0.28792140, -0.04032419],
            [-0.25135234, -0.24509048, -0.16979894, 0.09976279],
            [0.05109442, 0.20645870, -0.00239572, 0.03123925],
            [-0.08934391, -0.53405201, -1.71821737, -0.39182696],
        ],
        gw_rows=[
            [0.31695783, -0.11631387, 0.12994945, 0.78074968],
            [0.00270983, -0.00190607, -0.00792331, -0.01399155],
            [-1.05118358, 0.65393198, -0.01242638, -0.10606268],
        ],
    ),
    ("X9", "cosface"): dict(
        loss=2.073305368423462,
        gx=[
            [-0.01072139, 0.08389104, 0.04260724, 0.00600413],
            [-0.00413518, 0.04752526, 0.00410775, 0.02117186],
            [-0.00367102, 0.04519443, 0.01819497, 0.02195207],
            [0.00946376, 0.00119765, 0.00237966, 0.00054718],
            [0.07332887, -0.00030103, 0.00288853, -0.00491712],
            [0.06855191, -0.03699046, 0.19977996, -0.02252635],
            [-0.07514267, -0.07265060, -0.05057645, 0.02990318],
            [0.02683347, 0.10914014, -0.00122593, 0.01680017],
            [-0.09551954, -0.56762862, -1.83967209, -0.36432460],
        ],
        gw_rows=[
            [0.36722875, -0.06146407, 0.12941369, 0.85318440],
            [0.00224911, -0.00272942, -0.01015559, -0.01963507],
            [-1.34083450, 0.54748833, 0.06936322, -0.06691098],
        ],
    ),
}
MARGINS = {"arcface": 0.5, "cosface": 0.35}


def _np(t):
    return float(keras.ops.convert_to_numpy(t))


def _head(cls, num_classes, kernel, **kwargs):
    head = cls(num_classes, **kwargs)
    head.build((None, kernel.shape[0]))
    head.kernel.assign(kernel)
    return head


def _loss_and_grads(head, x, y):
    """CE of head(x, y) and its gradient w.r.t. x and the kernel."""
    kernel = keras.ops.convert_to_numpy(head.kernel)

    def fn(xt, wt):
        return CE(y, _stateless_call(head, wt, xt, y))

    return value_and_grad(fn, x, kernel, argnums=(0, 1))


def _stateless_call(head, kernel, x, y):
    out, _ = head.stateless_call([kernel], [], x, y)
    return out


@pytest.mark.parametrize("which", ["X6", "X9"])
@pytest.mark.parametrize("margin_type", ["arcface", "cosface"])
def test_unpg_matches_official_code(which, margin_type):
    ref = OFFICIAL[(which, margin_type)]
    if which == "X6":
        x, y, kernel, scale = X6, Y6, np.eye(3, dtype="float32"), 64.0
    else:
        x, y, kernel, scale = X9, Y9, W9_ROWS.T.copy(), 16.0
    head = _head(
        kzoo.layers.UNPGHead,
        3,
        kernel,
        scale=scale,
        margin=MARGINS[margin_type],
        margin_type=margin_type,
        whisker=1.5,
    )
    value, (gx, gw) = _loss_and_grads(head, x, y)
    np.testing.assert_allclose(value, ref["loss"], rtol=2e-6)
    np.testing.assert_allclose(gx, ref["gx"], rtol=2e-4, atol=2e-5)
    if "gw_rows" in ref:
        np.testing.assert_allclose(
            gw, np.array(ref["gw_rows"]).T, rtol=2e-4, atol=2e-5
        )
    if "ce" in ref:  # the head alone (no appended negatives)
        cls = (
            kzoo.layers.ArcFaceHead
            if margin_type == "arcface"
            else kzoo.layers.CosFaceHead
        )
        plain = _head(cls, 3, kernel, scale=scale, margin=MARGINS[margin_type])
        np.testing.assert_allclose(
            _np(CE(y, plain(x, y))), ref["ce"], rtol=2e-6
        )


def test_whisker_filter_hand_example():
    # PAPERS_METRIC.md §2: Q1 = 0.12, Q3 = 0.25, bounds [-0.075, 0.445];
    # -0.6 and 0.95 are dropped (the official function returns the other 7).
    s = np.array([0.1, 0.12, 0.15, 0.2, 0.22, 0.25, 0.3, 0.95, -0.6], "float32")
    padded = np.concatenate([s, [5.0, -5.0]]).astype("float32")
    mask = np.array([True] * 9 + [False, False])
    keep = keras.ops.convert_to_numpy(
        kzoo.layers.whisker_filter(padded, mask, 1.5)
    )
    np.testing.assert_array_equal(keep, [True] * 7 + [False] * 4)
    no_filter = kzoo.layers.whisker_filter(padded, mask, 100.0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(no_filter), mask)


def _pml(cls_name, x, y, kernel, **kwargs):
    import torch
    from pytorch_metric_learning import losses

    loss_fn = getattr(losses, cls_name)(
        num_classes=kernel.shape[1], embedding_size=kernel.shape[0], **kwargs
    )
    loss_fn.W.data = torch.tensor(kernel.astype("float64"))
    xt = torch.tensor(x.astype("float64"), requires_grad=True)
    loss = loss_fn(xt, torch.tensor(y))
    gx, gw = torch.autograd.grad(loss, [xt, loss_fn.W])
    return loss.item(), gx.numpy(), gw.numpy()


@pytest.mark.parametrize("name", ["ArcFace", "CosFace"])
def test_heads_match_pytorch_metric_learning(name):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 6)).astype("float32")
    y = rng.integers(0, 5, size=10)
    kernel = rng.normal(size=(6, 5)).astype("float32")
    # Two target angles beyond π − m, to exercise ArcFace's fallback branch.
    x[0] = -kernel[:, y[0]] + 0.05 * rng.normal(size=6)
    x[1] = -kernel[:, y[1]]
    if name == "ArcFace":
        layer_kw, pml_kw = (
            dict(margin=0.5, scale=30.0),
            dict(margin=math.degrees(0.5), scale=30.0),
        )
    else:
        layer_kw = pml_kw = dict(margin=0.35, scale=30.0)
    head = _head(getattr(kzoo.layers, name + "Head"), 5, kernel, **layer_kw)
    value, (gx, gw) = _loss_and_grads(head, x, y)
    ref, rgx, rgw = _pml(name + "Loss", x, y, kernel, **pml_kw)
    np.testing.assert_allclose(value, ref, rtol=1e-5)
    np.testing.assert_allclose(gx, rgx, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gw, rgw, rtol=1e-4, atol=1e-5)


def test_plain_logits_without_labels():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 3)).astype("float32")
    kernel = rng.normal(size=(3, 5)).astype("float32")
    expected = (x / np.linalg.norm(x, axis=1, keepdims=True)) @ (
        kernel / np.linalg.norm(kernel, axis=0)
    )
    for cls in (
        kzoo.layers.ArcFaceHead,
        kzoo.layers.CosFaceHead,
        kzoo.layers.UNPGHead,
    ):
        head = _head(cls, 5, kernel, scale=10.0)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(head(x)),
            10 * expected,
            rtol=1e-5,
            atol=1e-5,
        )


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_arcface_finite_at_cos_plus_minus_one(sign):
    kernel = np.eye(3, dtype="float32")
    x = sign * np.eye(3, dtype="float32")  # cos θ_y = ±1 exactly
    y = np.arange(3)
    for cls in (kzoo.layers.ArcFaceHead, kzoo.layers.UNPGHead):
        head = _head(cls, 3, kernel)
        value, (gx, gw) = _loss_and_grads(head, x, y)
        assert np.isfinite(value)
        assert np.all(np.isfinite(gx)) and np.all(np.isfinite(gw))


@pytest.mark.parametrize("margin_type", ["arcface", "cosface"])
def test_unpg_gradient_matches_finite_differences(margin_type):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, 4)).astype("float64")
    y = np.array([0, 0, 1, 1, 2, 2])
    kernel = rng.normal(size=(4, 3)).astype("float32")
    head = _head(
        kzoo.layers.UNPGHead, 3, kernel, scale=8.0, margin_type=margin_type
    )
    _, (gx, _) = _loss_and_grads(head, x.astype("float32"), y)

    def f(t):
        out = _stateless_call(head, kernel, t.astype("float32"), y)
        return float(keras.ops.convert_to_numpy(CE(y, out)))

    np.testing.assert_allclose(
        gx, numerical_gradient(f, x, eps=1e-3), rtol=2e-2, atol=2e-3
    )


@pytest.mark.parametrize("case", ["one_class", "one"])
def test_unpg_degenerate_batches(case):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5, 4)).astype("float32")
    y = {"one_class": [1] * 5, "all_distinct": [0, 1, 2, 3, 4], "one": [2]}[
        case
    ]
    y = np.array(y)
    x = x[: len(y)]
    head = _head(kzoo.layers.UNPGHead, 5, rng.normal(size=(4, 5)), scale=16.0)
    value, (gx, gw) = _loss_and_grads(head, x, y)
    assert np.isfinite(value) and np.all(np.isfinite(gx))
    if case == "one_class":  # no negatives: UNPG = the ArcFace head alone
        plain = _head(
            kzoo.layers.ArcFaceHead,
            5,
            keras.ops.convert_to_numpy(head.kernel),
            scale=16.0,
        )
        np.testing.assert_allclose(value, _np(CE(y, plain(x, y))), rtol=1e-6)


def _model(head):
    emb = keras.Input((6,), name="x")
    lab = keras.Input((), dtype="int32", name="y")
    h = keras.layers.Dense(4)(emb)
    return keras.Model([emb, lab], head(h, lab))


HEADS = [
    (kzoo.layers.ArcFaceHead, dict(scale=16.0, margin=0.3)),
    (kzoo.layers.CosFaceHead, dict(scale=16.0, margin=0.2)),
    (kzoo.layers.UNPGHead, dict(scale=16.0, margin_type="cosface")),
]


@pytest.mark.parametrize("cls,kwargs", HEADS, ids=lambda v: str(v)[:20])
def test_config_and_keras_file_round_trip(cls, kwargs, tmp_path):
    head = cls(4, **kwargs)
    config = head.get_config()
    assert cls.from_config(config).get_config() == config
    model = _model(head)
    x = np.random.default_rng(0).normal(size=(8, 6)).astype("float32")
    y = np.arange(8) % 4
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects
    assert isinstance(loaded.layers[-1], cls)
    np.testing.assert_allclose(
        loaded.predict((x, y), verbose=0),
        model.predict((x, y), verbose=0),
        rtol=1e-5,
        atol=1e-5,
    )
    assert len(head.weights) == 1 and tuple(head.kernel.shape) == (4, 4)


@pytest.fixture(scope="module")
def fit_data():
    rng = np.random.default_rng(4)
    y = np.tile(np.arange(4), 4).astype("int32")
    x = rng.normal(size=(4, 6))[y] + 0.3 * rng.normal(size=(16, 6))
    return x.astype("float32"), y


# Keras' dtype lattice is lru_cached; dynamo warns when it traces through it.
DYNAMO_LRU = "ignore:Dynamo detected a call to a `functools.lru_cache`"


@pytest.mark.filterwarnings(DYNAMO_LRU)
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_smoke(jit_compile, fit_data):
    # jit: one compiled model (UNPG with the ArcFace margin covers the ArcFace
    # path too); torch's inductor compile is slow.
    x, y = fit_data
    jit_heads = [(kzoo.layers.UNPGHead, dict(scale=16.0))]
    for cls, kwargs in jit_heads if jit_compile else HEADS:
        head = cls(4, **kwargs)
        model = _model(head)
        model.compile(
            optimizer=keras.optimizers.SGD(0.1),
            loss=CE,
            jit_compile=jit_compile,
        )
        before = keras.ops.convert_to_numpy(head.kernel).copy()
        hist = model.fit(
            (x, y), y, batch_size=8, epochs=1, verbose=0, shuffle=False
        )
        assert np.all(np.isfinite(hist.history["loss"]))
        assert not np.allclose(before, keras.ops.convert_to_numpy(head.kernel))


def test_mixed_precision_gives_float32_logits(fit_data):
    x, y = fit_data
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        for cls, kwargs in HEADS:
            head = cls(4, **kwargs)
            out = head(keras.ops.cast(x, "bfloat16"), y)
            assert keras.backend.standardize_dtype(out.dtype) == "float32"
            assert head.kernel.dtype == "float32"
        model = _model(kzoo.layers.UNPGHead(4, scale=16.0))
        model.compile(optimizer="sgd", loss=CE)
        hist = model.fit((x, y), y, batch_size=16, epochs=1, verbose=0)
        assert np.all(np.isfinite(hist.history["loss"]))
    finally:
        keras.config.set_dtype_policy("float32")


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: num_classes=1"):
        kzoo.layers.ArcFaceHead(1)
    with pytest.raises(ValueError, match="Received: num_classes=2.5"):
        kzoo.layers.CosFaceHead(2.5)
    with pytest.raises(ValueError, match="Received: scale=0"):
        kzoo.layers.CosFaceHead(3, scale=0)
    with pytest.raises(ValueError, match="Received: margin=-0.1"):
        kzoo.layers.CosFaceHead(3, margin=-0.1)
    with pytest.raises(ValueError, match="Received: margin=28.6"):
        kzoo.layers.ArcFaceHead(3, margin=28.6)  # degrees by mistake
    with pytest.raises(ValueError, match="Received: margin_type='sphere'"):
        kzoo.layers.UNPGHead(3, margin_type="sphere")
    with pytest.raises(ValueError, match="Received: whisker=-1"):
        kzoo.layers.UNPGHead(3, whisker=-1)
    with pytest.raises(ValueError, match="labels.shape"):
        kzoo.layers.ArcFaceHead(3)(X6, np.zeros((6, 2), "int32"))

import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad
from tests.reference import few_shot as ref

# Official functions (github.com/maumruiz/FSL-Loss @ 249405f,
# algorithms/icnn_loss.py: proto_triplet_loss, modified_score) run in a
# throwaway harness (/tmp/fsl_ref/harness.py, torch 2.13 CPU, float32;
# prototypes = per-class support means; "full" = modified_score on
# supports + queries with ipc = shot + query; losses are -log(score)).
# Fixture episode of PAPERS_METRIC.md §4 (2-way 2-shot 2-query):
FS = np.array([[0, 0], [0.2, 0.1], [1, 1], [1.2, 0.9]], "float32")
FQ = np.array([[0.1, 0.3], [0.9, 0.2], [1.1, 1.2], [0.4, 0.6]], "float32")
FY = np.array([0, 0, 1, 1, 0, 0, 1, 1])
FIXTURE = dict(
    proto_triplet=0.29846441745758057,
    pt_grad=[  # d PT / d [supports; queries]
        [-0.06300250, 0.08670075],
        [-0.06300250, 0.08670075],
        [0.07959550, -0.06487761],
        [0.07959550, -0.06487761],
        [0.0, 0.0],
        [0.31013349, 0.28763062],
        [0.0, 0.0],
        [-0.34331951, -0.33127689],
    ],
    support_score=0.9315223693847656,
    support_grad=[
        [-0.17447262, -0.12833771],
        [0.21324685, 0.16787225],
        [-0.09128036, 0.04416576],
        [0.05250614, -0.08370030],
    ],
    # The official query mode, which drops each query's true nearest
    # support, gives 0.8038343; kzoo's fixed value differs (see below).
    official_query_score=0.8038343191146851,
)
# Random 3-way 2-shot 2-query episode (no distance ties), same harness.
RS = np.array(
    [
        [-1.20642316, -0.32943228, 0.21308741, -0.28201023],
        [-0.13796006, -0.38793740, 1.20761228, 0.78285819],
        [-0.88062483, 1.36227071, 1.55688322, 1.63152754],
        [-0.26142195, 0.59879994, 1.50990057, 0.86758620],
        [-1.33023834, -1.76601517, -1.54068255, -0.06351638],
        [-1.15113783, -1.57362485, -0.80611622, 0.27521259],
    ],
    "float32",
)
RQ = np.array(
    [
        [-0.39985043, -0.31480956, 1.66621184, 1.50143826],
        [-0.94456363, 1.16437411, 2.17192197, 0.86053044],
        [-0.56549400, 0.25986204, 3.26821876, 3.18485403],
        [0.81796730, 1.72598600, 2.27764249, 0.33313468],
        [-1.05961156, -1.30730474, -2.09443712, 0.41759881],
        [-0.66872555, -1.27169371, -2.00061798, -0.53354335],
    ],
    "float32",
)
RY = np.array([0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2])
RANDOM = dict(
    proto_triplet=0.4365699291229248,
    support_score=0.7922465801239014,
    full_score=0.5013623237609863,
    full_loss=0.690426230430603,
    full_grad=[
        [-0.00744751, -0.06829462, -0.10599812, 0.00776308],
        [0.01574795, 0.05428229, 0.02573910, 0.00503616],
        [-0.00792596, -0.01402308, -0.00228873, -0.00296037],
        [-0.00316068, -0.04395634, -0.00149793, -0.00215205],
        [-0.01141516, 0.01206024, 0.03211534, -0.01053861],
        [-0.00343730, 0.02556252, 0.05860934, -0.00104450],
        [-0.00307916, 0.01248424, 0.00760418, 0.01980215],
        [0.01953407, 0.05024387, -0.05669959, -0.10521435],
        [0.01801646, -0.04227751, 0.04220263, 0.09215582],
        [-0.02645159, -0.01971016, -0.00421925, 0.00549141],
        [-0.00102405, 0.01625414, -0.00173480, 0.01168204],
        [0.01064292, 0.01737441, 0.00616782, -0.02002078],
    ],
    official_query_score=0.7753788828849792,
)


def _np(t):
    return keras.ops.convert_to_numpy(t)


def test_proto_triplet_matches_official_value_and_gradient():
    x = np.concatenate([FS, FQ])
    loss = kzoo.losses.ProtoTripletLoss(way=2, shot=2, query=2)
    value, grad = value_and_grad(lambda t: loss(FY, t), x)
    np.testing.assert_allclose(value, FIXTURE["proto_triplet"], rtol=1e-6)
    np.testing.assert_allclose(grad, FIXTURE["pt_grad"], atol=1e-6)
    x = np.concatenate([RS, RQ])
    loss = kzoo.losses.ProtoTripletLoss(way=3, shot=2, query=2)
    np.testing.assert_allclose(
        float(_np(loss(RY, x))), RANDOM["proto_triplet"], rtol=1e-6
    )


def test_icnn_support_and_full_match_official():
    loss = kzoo.losses.ICNNLoss(2, 2, 2, mode="support")
    x = np.concatenate([FS, FQ])
    value, grad = value_and_grad(lambda t: loss(FY, t), x)
    np.testing.assert_allclose(
        value, -np.log(FIXTURE["support_score"]), rtol=1e-5
    )
    np.testing.assert_allclose(grad[:4], FIXTURE["support_grad"], atol=2e-6)
    np.testing.assert_allclose(grad[4:], 0.0)
    x = np.concatenate([RS, RQ])
    support = kzoo.losses.ICNNLoss(3, 2, 2, mode="support")
    np.testing.assert_allclose(
        float(_np(support(RY, x))),
        -np.log(RANDOM["support_score"]),
        rtol=1e-5,
    )
    full = kzoo.losses.ICNNLoss(3, 2, 2, mode="full")
    value, grad = value_and_grad(lambda t: full(RY, t), x)
    np.testing.assert_allclose(value, RANDOM["full_loss"], rtol=1e-5)
    np.testing.assert_allclose(grad, RANDOM["full_grad"], atol=2e-6)


def test_numpy_reference_reproduces_official_numbers():
    # The float64 reference (used below for the fixed query mode) agrees
    # with the official same-set numbers.
    np.testing.assert_allclose(
        ref.icnn_score(FS, FY[:4], FS, FY[:4]),
        FIXTURE["support_score"],
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        ref.icnn_score(
            np.concatenate([RS, RQ]),
            RY,
            np.concatenate([RS, RQ]),
            RY,
            ipc=4,
        ),
        RANDOM["full_score"],
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        ref.proto_triplet(RS, RY[:6], RQ, RY[6:], 3),
        RANDOM["proto_triplet"],
        rtol=1e-6,
    )


def test_query_mode_keeps_the_nearest_neighbour():
    x = np.concatenate([RS, RQ])
    loss = kzoo.losses.ICNNLoss(3, 2, 2, mode="query")
    value, grad = value_and_grad(lambda t: loss(RY, t), x)
    expected = ref.icnn_score(RQ, RY[6:], RS, RY[:6], same=False)
    np.testing.assert_allclose(value, -np.log(expected), rtol=1e-5)
    # The fix changes the value relative to the official query mode.
    assert abs(np.exp(-value) - RANDOM["official_query_score"]) > 1e-3

    def f(t):
        t = t.astype("float64")
        return -np.log(ref.icnn_score(t[6:], RY[6:], t[:6], RY[:6], same=False))

    np.testing.assert_allclose(
        grad,
        numerical_gradient(f, x.astype("float64")),
        rtol=1e-3,
        atol=1e-5,
    )


def test_proto_triplet_sample_weight_weights_queries():
    x = np.concatenate([RS, RQ])
    loss = kzoo.losses.ProtoTripletLoss(3, 2, 2, reduction="none")
    per = _np(loss(RY, x))
    assert np.all(per[:6] == 0)
    np.testing.assert_allclose(per.mean(), RANDOM["proto_triplet"], rtol=1e-6)


@pytest.mark.parametrize("case", ["identical", "one_class_far"])
def test_degenerate_episodes_are_finite(case):
    x = np.concatenate([RS, RQ])
    if case == "identical":
        x = np.repeat(x[:1], len(x), axis=0)
    else:
        x = x.copy()
        x[RY == 0] += 100.0
    for loss in (
        kzoo.losses.ProtoTripletLoss(3, 2, 2),
        kzoo.losses.ICNNLoss(3, 2, 2, mode="full"),
        kzoo.losses.ICNNLoss(3, 2, 2, mode="query"),
        kzoo.losses.ICNNLoss(3, 2, 2, mode="support"),
    ):
        value, grad = value_and_grad(lambda t: loss(RY, t), x)
        assert np.isfinite(value) and np.all(np.isfinite(grad)), loss.name


@pytest.mark.filterwarnings(
    # Keras' dtype lattice is lru_cached; dynamo warns when tracing it.
    "ignore:Dynamo detected a call to a `functools.lru_cache`"
)
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_smoke(jit_compile):
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(12, 6)).astype("float32") + RY[:, None]
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4)])
    loss = (
        kzoo.losses.ICNNLoss(3, 2, 2)
        if jit_compile
        else kzoo.losses.ProtoTripletLoss(3, 2, 2)
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.05),
        loss=loss,
        jit_compile=jit_compile,
    )
    before = [w.copy() for w in model.get_weights()]
    hist = model.fit(
        feats, RY, batch_size=12, epochs=2, verbose=0, shuffle=False
    )
    assert np.all(np.isfinite(hist.history["loss"]))
    assert any(
        not np.allclose(a, b) for a, b in zip(before, model.get_weights())
    )


def test_mixed_precision():
    x = np.concatenate([RS, RQ])
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        for loss in (
            kzoo.losses.ProtoTripletLoss(3, 2, 2),
            kzoo.losses.ICNNLoss(3, 2, 2),
        ):
            out = loss(RY, keras.ops.cast(x, "bfloat16"))
            assert keras.backend.standardize_dtype(out.dtype) == "float32"
            assert np.isfinite(_np(out))
    finally:
        keras.config.set_dtype_policy("float32")


def test_serialization(tmp_path):
    for loss in (
        kzoo.losses.ProtoTripletLoss(3, 2, 2, margin=0.3),
        kzoo.losses.ICNNLoss(3, 2, 2, mode="query", k=3),
    ):
        restored = keras.losses.deserialize(keras.losses.serialize(loss))
        assert type(restored) is type(loss)
        assert restored.get_config() == loss.get_config()
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4)])
    model.compile(optimizer="sgd", loss=loss)
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    assert keras.saving.load_model(path).loss.get_config() == loss.get_config()


def test_bad_arguments():
    P, icnn = kzoo.losses.ProtoTripletLoss, kzoo.losses.ICNNLoss
    with pytest.raises(ValueError, match="Received: way=1"):
        P(1, 2, 2)
    with pytest.raises(ValueError, match="Received: shot=0"):
        P(3, 0, 2)
    with pytest.raises(ValueError, match="Received: margin=-1"):
        P(3, 1, 1, margin=-1)
    with pytest.raises(ValueError, match="Received: mode='all'"):
        icnn(3, 1, 1, mode="all")
    with pytest.raises(ValueError, match="Received: k=0"):
        icnn(3, 1, 1, k=0)
    with pytest.raises(ValueError, match="one episode"):
        P(3, 2, 2)(RY[:5], np.zeros((5, 4), "float32"))

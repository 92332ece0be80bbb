import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import value_and_grad
from tests.losses.test_ldr_kl_loss import F
from tests.losses.test_ldr_kl_loss import Y

# Official reference numbers. Source: github.com/Optimization-AI/ICML2023_LDR,
# commit 732fc85dbd8b30b6dd16cd2dfb79d6c325558d71, loss.py `ALDRLoss_V1(N=8,
# threshold=0.1, Lambda=1.0, alpha=2.0, softplus=...)`, run on CPU in float64
# in a throwaway harness (`.cuda()` removed, λ buffer float64): two calls with
# ids IDS, on F then on 2·F; value and gradient of the batch mean of each
# call, then the λ buffer.
IDS = np.array([0, 3, 5, 6, 7])
OFFICIAL = {
    # softplus=False: the "l1" normalization
    "l1": {
        "values": [-0.1066934915, -0.1022730368],
        "grads": [
            [
                [-0.55347372, 0.1830573, 0.17170866, -0.15425202],
                [-0.00806328, 0.03180927, -0.05215789, 0.05510776],
                [0.00630126, -0.0100711, 0.01016008, -0.04781592],
                [-0.003607, -0.05891736, 0.00694551, 0.01724024],
                [0.03568235, 0.03857523, -0.17283822, 0.09858064],
            ],
            [
                [-0.28366251, 0.09432054, 0.08893142, -0.08409321],
                [-0.00403238, 0.01573156, -0.02598164, 0.02748557],
                [0.00315179, -0.0050363, 0.00509594, -0.02367149],
                [-0.00181408, -0.02938397, 0.00346632, 0.00864235],
                [0.01827727, 0.01958491, -0.08815634, 0.05029417],
            ],
        ],
        "lambdas": [
            0.6887029543, 1.0, 1.0, 0.8990398013,
            1.0, 0.9012718916, 0.9319894595, 0.7818736943,
        ],
    },
    "softplus": {
        "values": [-0.3701843519, -0.3125452397],
        "grads": [
            [
                [-0.10686971, 0.00783092, 0.06375344, 0.01545286],
                [0.00678348, 0.02416401, -0.05542296, 0.04761701],
                [0.03124941, 0.00952924, 0.03762095, -0.06179002],
                [0.00151735, -0.05568193, 0.01402249, 0.04928151],
                [-0.00212477, -0.00206727, -0.12644064, 0.08925965],
            ],
            [
                [-0.10676574, -0.00645874, 0.06496048, -0.00598336],
                [0.00144044, 0.01471625, -0.02891661, 0.03082951],
                [0.00122561, 0.0001238, 0.0017367, -0.00221735],
                [3.3e-06, -0.00227004, 0.00025171, 0.00237026],
                [-0.00332399, -0.00708115, -0.12463032, 0.06646122],
            ],
        ],
        "lambdas": [
            0.8983148766, 1.0, 1.0, 0.9145628287,
            1.0, 0.6245577682, 0.606035066, 0.7777745021,
        ],
    },
}  # fmt: skip


@pytest.mark.parametrize("normalization", ["l1", "softplus"])
def test_matches_official_aldr_loss_v1(normalization):
    layer = kzoo.layers.ALDRKL(
        num_samples=8,
        margin=0.1,
        temperature=1.0,
        alpha=2.0,
        logit_normalization=normalization,
        add_loss=False,
    )
    expected = OFFICIAL[normalization]
    for step in range(2):
        x = (F * (step + 1)).astype("float32")
        value, grad = value_and_grad(
            lambda t: keras.ops.mean(layer([t, Y, IDS], training=True)), x
        )
        np.testing.assert_allclose(value, expected["values"][step], rtol=2e-5)
        np.testing.assert_allclose(
            grad, np.array(expected["grads"][step]), atol=3e-6
        )
    np.testing.assert_allclose(
        np.asarray(layer.lambdas), expected["lambdas"], rtol=2e-6
    )


def test_lambda_update_limits():
    # Uniform logits: KL = 0, λ stays λ0. Near one-hot logits: KL → log K,
    # λ → λ0 (1 − 1/α) (PAPERS_OTHER.md §3).
    layer = kzoo.layers.ALDRKL(
        num_samples=4, temperature=2.0, alpha=4.0, add_loss=False
    )
    x = np.array([[1.0, 1.0, 1.0], [400.0, 0.0, 0.0]], "float32")
    layer([x, np.array([0, 1]), np.array([1, 2])], training=True)
    lam = np.asarray(layer.lambdas)
    np.testing.assert_allclose(lam[[0, 1, 3]], [2.0, 2.0, 2.0], rtol=1e-6)
    # p is floored at 1e-5 per class, so KL stays just below log K.
    np.testing.assert_allclose(lam[2], 2.0 * (1 - 1 / 4.0), rtol=1e-3)


def test_no_update_outside_training():
    layer = kzoo.layers.ALDRKL(num_samples=3, temperature=1.0)
    x = np.array([[5.0, 0.0, 0.0]], "float32")
    layer([x, np.array([0]), np.array([2])], training=False)
    np.testing.assert_allclose(np.asarray(layer.lambdas), 1.0)


def test_bad_arguments_raise():
    for kwargs, match in [
        ({"num_samples": 0}, "Received: num_samples=0"),
        ({"num_samples": 2.5}, "Received: num_samples=2.5"),
        ({"num_samples": 4, "alpha": 1.0}, "Received: alpha=1.0"),
        ({"num_samples": 4, "temperature": -1}, "Received: temperature=-1"),
        ({"num_samples": 4, "margin": -0.1}, "Received: margin=-0.1"),
        ({"num_samples": 4, "logit_normalization": "x"}, "Received: logit_"),
    ]:
        with pytest.raises(ValueError, match=match):
            kzoo.layers.ALDRKL(**kwargs)


def _train_model(num_samples):
    x_in = keras.Input((6,))
    y_in = keras.Input((), dtype="int32")
    id_in = keras.Input((), dtype="int32")
    logits = keras.layers.Dense(3)(x_in)
    out = kzoo.layers.ALDRKL(num_samples, temperature=1.0, name="aldr")(
        [logits, y_in, id_in]
    )
    return keras.Model([x_in, y_in, id_in], out)


def _fit_data():
    rng = np.random.default_rng(0)
    y = np.tile(np.arange(3), 4).astype("int32")
    x = (rng.normal(size=(3, 6))[y] + 0.3 * rng.normal(size=(12, 6))).astype(
        "float32"
    )
    return x, y, np.arange(12, dtype="int32")


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_updates_the_buffer_and_weights(jit_compile):
    x, y, ids = _fit_data()
    model = _train_model(len(x))
    model.compile(optimizer=keras.optimizers.SGD(0.1), jit_compile=jit_compile)
    before = [np.array(w) for w in model.trainable_weights]
    # One step: on torch, Keras 3.15.1 re-traces a compiled step that calls
    # `add_loss` on every call (see the ALDRKL docstring), so keep it to one.
    history = model.fit([x, y, ids], batch_size=12, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    lam = np.asarray(model.get_layer("aldr").lambdas)
    assert np.all(lam < 1.0) and np.all(lam >= 0.5)  # every id was visited
    assert any(
        not np.allclose(a, np.array(b))
        for a, b in zip(before, model.trainable_weights)
    )


def test_keras_file_round_trip_and_mixed_precision(tmp_path):
    x, y, ids = _fit_data()
    model = _train_model(len(x))
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects
    layer = loaded.get_layer("aldr")
    assert type(layer) is kzoo.layers.ALDRKL
    assert layer.get_config() == model.get_layer("aldr").get_config()
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded([x, y, ids])),
        keras.ops.convert_to_numpy(model([x, y, ids])),
        rtol=1e-6,
    )
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        layer = kzoo.layers.ALDRKL(12)
        out = layer([keras.ops.cast(x[:, :3], "bfloat16"), y, ids])
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        assert np.all(np.isfinite(keras.ops.convert_to_numpy(out)))
    finally:
        keras.config.set_dtype_policy("float32")


def test_degenerate_inputs_are_finite():
    layer = kzoo.layers.ALDRKL(4, logit_normalization="l1", add_loss=False)
    for x in [
        np.zeros((2, 3), "float32"),  # zero logits (the l1 scale is 0)
        np.full((2, 3), 1e4, "float32"),
        np.array([[1e4, -1e4, 0.0], [3.0, 3.0, 3.0]], "float32"),
    ]:
        value, grad = value_and_grad(
            lambda t: keras.ops.mean(
                layer([t, np.array([0, 1]), np.array([0, 0])])
            ),
            x,
        )
        assert np.isfinite(value) and np.all(np.isfinite(grad))

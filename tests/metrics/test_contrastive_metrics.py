import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import clustered_embeddings
from tests.reference import contrastive as ref

# PAPERS_METRIC.md §11 fixture (computed from the formulas by hand/NumPy).
Z = np.array([[1, 0], [0.8, 0.6], [0, 1], [-0.6, 0.8]], "float32")
L = np.array([0, 0, 1, 1], "int32")


def _result(metric):
    return float(keras.ops.convert_to_numpy(metric.result()))


def test_paper_fixture_values():
    m = kzoo.metrics.Uniformity()
    m.update_state(L, Z)
    np.testing.assert_allclose(_result(m), -1.6617428, rtol=1e-6)
    same = kzoo.metrics.Tolerance("same_class_mean")
    same.update_state(L, Z)
    np.testing.assert_allclose(_result(same), 0.8, rtol=1e-6)
    every = kzoo.metrics.Tolerance("all_pairs_mean")
    every.update_state(L, Z)
    np.testing.assert_allclose(_result(every), 0.2666667, rtol=1e-6)


METRICS = {
    "uniformity": (
        lambda: kzoo.metrics.Uniformity(t=3.0),
        lambda y, x: ref.uniformity(x, 3.0),
    ),
    "alignment": (
        lambda: kzoo.metrics.Alignment(alpha=1.5),
        lambda y, x: ref.alignment(y, x, 1.5),
    ),
    "tolerance_same": (
        lambda: kzoo.metrics.Tolerance("same_class_mean"),
        lambda y, x: ref.tolerance(y, x, "same_class_mean"),
    ),
    "tolerance_all": (
        lambda: kzoo.metrics.Tolerance("all_pairs_mean"),
        lambda y, x: ref.tolerance(y, x, "all_pairs_mean"),
    ),
}


@pytest.mark.parametrize("name", list(METRICS))
def test_streaming_matches_reference_and_resets(name):
    make, reference = METRICS[name]
    y, x = clustered_embeddings(3, 4, 5, seed=1)
    metric = make()
    # Two batches stream exactly the within-batch pairs of each batch.
    metric.update_state(y[:7], x[:7])
    metric.update_state(y[7:], x[7:])
    if name == "uniformity":
        n1, n2 = 21, 10
        expected = np.log(
            (
                n1 * np.exp(ref.uniformity(x[:7], 3.0))
                + n2 * np.exp(ref.uniformity(x[7:], 3.0))
            )
            / (n1 + n2)
        )
    else:
        single = make()
        single.update_state(y[:7], x[:7])
        first = _result(single)
        # One batch: equal to the reference.
        np.testing.assert_allclose(first, reference(y[:7], x[:7]), rtol=1e-5)
        expected = None
    if expected is not None:
        np.testing.assert_allclose(_result(metric), expected, rtol=1e-5)
    one = make()
    one.update_state(y, x)
    np.testing.assert_allclose(_result(one), reference(y, x), rtol=1e-5)
    metric.reset_state()
    assert _result(metric) == 0.0
    metric.update_state(y, x)
    np.testing.assert_allclose(_result(metric), reference(y, x), rtol=1e-5)


def test_sample_weight_zero_drops_samples():
    y, x = clustered_embeddings(3, 3, 4, seed=2)
    w = np.ones(len(y), "float32")
    w[:2] = 0.0
    for make, _ in METRICS.values():
        a, b = make(), make()
        a.update_state(y, x, sample_weight=w)
        b.update_state(y[2:], x[2:])
        np.testing.assert_allclose(_result(a), _result(b), rtol=1e-5)


def test_config_round_trip_and_bad_arguments():
    for metric in [
        kzoo.metrics.Uniformity(t=1.0, normalize=False),
        kzoo.metrics.Alignment(alpha=1.0),
        kzoo.metrics.Tolerance("all_pairs_mean"),
    ]:
        restored = keras.metrics.deserialize(keras.metrics.serialize(metric))
        assert type(restored) is type(metric)
        assert restored.get_config() == metric.get_config()
    with pytest.raises(ValueError, match="Received: t=0"):
        kzoo.metrics.Uniformity(t=0)
    with pytest.raises(ValueError, match="Received: alpha=-1"):
        kzoo.metrics.Alignment(alpha=-1)
    with pytest.raises(ValueError, match="Received: mode='x'"):
        kzoo.metrics.Tolerance(mode="x")
    with pytest.raises(ValueError, match="y_pred"):
        kzoo.metrics.Uniformity().update_state(None, np.zeros(3, "float32"))


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_with_metrics_and_keras_file(jit_compile, tmp_path):
    y, x = clustered_embeddings(4, 4, 6, seed=3)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4)])
    model.compile(
        optimizer="sgd",
        loss=kzoo.losses.HardContrastiveLoss(0.5, k=2),
        metrics=[
            kzoo.metrics.Uniformity(),
            kzoo.metrics.Alignment(),
            kzoo.metrics.Tolerance(),
        ],
        jit_compile=jit_compile,
    )
    hist = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    for key in ("uniformity", "alignment", "tolerance"):
        assert np.isfinite(hist.history[key][0])
    if jit_compile:
        return
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects
    assert type(loaded.loss) is kzoo.losses.HardContrastiveLoss
    out = loaded.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    assert np.isfinite(out["uniformity"])


def test_mixed_precision_inputs_give_float32():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        m = kzoo.metrics.Tolerance()
        m.update_state(L, keras.ops.cast(Z, "bfloat16"))
        out = m.result()
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        np.testing.assert_allclose(float(out), 0.8, rtol=1e-2)
    finally:
        keras.config.set_dtype_policy("float32")

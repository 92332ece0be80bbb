"""kzoo.losses.reduce_loss must reproduce keras.losses.Loss in every mode."""

import keras
import numpy as np
import pytest

import kzoo


class _Identity(keras.losses.Loss):
    def call(self, y_true, y_pred):
        return y_pred


WEIGHTS = {
    "none": None,
    "scalar": 0.5,
    "per_sample": np.array([0.0, 1.0, 2.0, 0.5], "float32"),
    "column": np.array([[0.0], [1.0], [2.0], [0.5]], "float32"),
    "zeros": np.zeros(4, "float32"),
}


@pytest.mark.parametrize("weights", list(WEIGHTS))
@pytest.mark.parametrize(
    "reduction",
    [
        "sum_over_batch_size",
        "sum",
        "mean",
        "mean_with_sample_weight",
        "none",
        None,
    ],
)
def test_matches_keras_loss(reduction, weights):
    values = np.array([1.0, -2.0, 3.5, 0.25], "float32")
    sw = WEIGHTS[weights]
    expected = _Identity(reduction=reduction)(values, values, sample_weight=sw)
    got = kzoo.losses.reduce_loss(values, sample_weight=sw, reduction=reduction)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(got),
        keras.ops.convert_to_numpy(expected),
        rtol=1e-6,
    )


def _masked(values):
    """`values[:, None]` carrying the Keras mask "value != -2" (`[B]`), the
    way a `keras.layers.Masking` output does."""
    return keras.layers.Masking(mask_value=-2.0)(values[:, None])


@pytest.mark.parametrize("weights", ["none", "per_sample", "zeros"])
@pytest.mark.parametrize(
    "reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"]
)
def test_mask_matches_keras_loss(reduction, weights):
    values = np.array([1.0, -2.0, 3.5, 0.25], "float32")
    sw = WEIGHTS[weights]
    expected = _Identity(reduction=reduction)(
        values[:, None], _masked(values), sample_weight=sw
    )
    got = kzoo.losses.reduce_loss(
        values[:, None],
        sample_weight=sw,
        reduction=reduction,
        mask=np.array([True, False, True, True]),
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(got),
        keras.ops.convert_to_numpy(expected),
        rtol=1e-6,
    )


class _IdentityKzoo(kzoo.losses.Loss):
    input_kind = kzoo.losses.inputs.PredictionsOnly(rank=2)

    def call(self, y_true, y_pred):
        return y_pred


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_loss_base_honours_the_keras_mask(reduction):
    values = np.array([1.0, -2.0, 3.5, 0.25], "float32")
    expected = _Identity(reduction=reduction)(values[:, None], _masked(values))
    got = _IdentityKzoo(reduction=reduction)(None, _masked(values))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(got),
        keras.ops.convert_to_numpy(expected),
        rtol=1e-6,
    )


def test_scalar_values_pass_through():
    got = kzoo.losses.reduce_loss(np.float32(2.5), sample_weight=None)
    assert float(got) == 2.5


def test_invalid_reduction():
    with pytest.raises(ValueError, match="Received: reduction='avg'"):
        kzoo.losses.reduce_loss(np.ones(2), reduction="avg")


_REPLICA_SCRIPT = """
import numpy as np, tensorflow as tf, keras, kzoo
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
class Identity(keras.losses.Loss):
    def call(self, y_true, y_pred):
        return y_pred
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
values = tf.constant([1.0, 2.0, 3.0, 4.0])
def step():
    return Identity()(values, values), kzoo.losses.reduce_loss(values)
expected, got = strategy.run(step)
for e, g in zip(strategy.experimental_local_results(expected),
                strategy.experimental_local_results(got)):
    # mean 2.5 scaled by 1/2 replicas
    assert abs(float(e) - 1.25) < 1e-6, float(e)
    assert abs(float(g) - float(e)) < 1e-6, (float(g), float(e))
print("ok")
"""


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="tf.distribute replica scaling exists on TensorFlow only",
)
def test_replica_scaling_matches_keras_under_mirrored_strategy():
    # Logical devices must be configured before TensorFlow starts: own process.
    import os
    import subprocess
    import sys

    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-c", _REPLICA_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[
        -2000:
    ]

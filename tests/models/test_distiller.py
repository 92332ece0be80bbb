"""kzoo.models.Distiller and DualHeadStudent.

Reference: the loss `compute_loss` returns is checked against the same
weighted sum computed by hand from the teacher's and the student's outputs
(Hinton et al., 2015; Dual-Head KD, Yang et al., 2024: L = γ·CE(main) +
α·BinaryKLNorm(aux, teacher)), and one SGD step against the gradient of that
sum (`kzoo.testing.value_and_grad` on the student's head kernel).
"""

import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import value_and_grad


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("int32") + (x[:, 1] > 0).astype("int32")
    return x, y


def _teacher():
    keras.utils.set_random_seed(1)
    return keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(8, activation="relu"),
         keras.layers.Dense(3)]
    )  # fmt: skip


def _backbone():
    keras.utils.set_random_seed(2)
    return keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(6, activation="relu")]
    )


def _ce():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _np(v):
    return keras.ops.convert_to_numpy(v)


def test_dual_head_loss_is_the_weighted_sum():
    x, y = _data()
    teacher = _teacher()
    student = kzoo.models.DualHeadStudent(_backbone(), 3, aux_units=4)
    distiller = kzoo.models.Distiller(
        student, teacher, kzoo.losses.BinaryKLNormLoss(), _ce(),
        distillation_weight=0.5, student_weight=2.0,
    )  # fmt: skip
    y_pred = distiller(x, training=False)
    got = _np(distiller.compute_loss(x, y, y_pred, training=False))
    main, aux = (_np(v) for v in student.both_heads(x, training=False))
    np.testing.assert_allclose(main, _np(student(x)), rtol=1e-6)
    expected = 2.0 * _np(_ce()(y, main)) + 0.5 * _np(
        kzoo.losses.BinaryKLNormLoss()(_np(teacher(x)), aux)
    )
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_single_head_sgd_step_matches_the_hand_gradient():
    x, y = _data()
    teacher = _teacher()
    student = keras.Sequential([_backbone(), keras.layers.Dense(3)])
    student.build((None, 5))
    distiller = kzoo.models.Distiller(
        student, teacher, kzoo.losses.BinaryKLLoss(), _ce()
    )
    distiller.compile(optimizer=keras.optimizers.SGD(0.1))
    teacher_before = [w.copy() for w in teacher.get_weights()]
    features = _np(student.layers[0](x))
    kernel = _np(student.layers[1].kernel).copy()
    bias = _np(student.layers[1].bias)
    z_t = _np(teacher(x))

    def total(k, f, b, zt):
        logits = keras.ops.matmul(f, k) + b
        return _ce()(y, logits) + kzoo.losses.BinaryKLLoss()(zt, logits)

    _, grad = value_and_grad(total, kernel, features, bias, z_t)
    distiller.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose(
        _np(student.layers[1].kernel), kernel - 0.1 * grad, rtol=1e-4,
        atol=1e-6,
    )  # fmt: skip
    for a, b in zip(teacher.get_weights(), teacher_before):
        np.testing.assert_array_equal(a, b)  # the teacher is frozen


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_smoke_dual_head_with_metrics(jit_compile):
    x, y = _data()
    teacher = _teacher()
    student = kzoo.models.DualHeadStudent(_backbone(), 3, aux_units=4)
    distiller = kzoo.models.Distiller(
        student, teacher, kzoo.losses.BinaryKLNormLoss(), _ce()
    )
    distiller.compile(
        optimizer=keras.optimizers.SGD(0.05),
        metrics=["sparse_categorical_accuracy"],
        jit_compile=jit_compile,
    )
    before = [w.copy() for w in student.get_weights()]
    t_before = [w.copy() for w in teacher.get_weights()]
    history = distiller.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert "sparse_categorical_accuracy" in history.history
    after = student.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after))
    for a, b in zip(teacher.get_weights(), t_before):
        np.testing.assert_array_equal(a, b)
    assert distiller.predict(x, verbose=0).shape == (16, 3)


def test_mixed_precision_fit_is_finite():
    x, y = _data()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        teacher = _teacher()
        student = kzoo.models.DualHeadStudent(_backbone(), 3)
        distiller = kzoo.models.Distiller(
            student, teacher, kzoo.losses.BinaryKLNormLoss(), _ce()
        )
        distiller.compile(optimizer="sgd")
        history = distiller.fit(x, y, batch_size=16, epochs=1, verbose=0)
        assert np.all(np.isfinite(history.history["loss"]))
    finally:
        keras.config.set_dtype_policy("float32")


def test_saving_keeps_only_the_student(tmp_path):
    x, _ = _data()
    student = kzoo.models.DualHeadStudent(_backbone(), 3, aux_units=4)
    distiller = kzoo.models.Distiller(
        student, _teacher(), kzoo.losses.BinaryKLNormLoss()
    )
    distiller(x)
    path = os.path.join(tmp_path, "student.keras")
    distiller.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is kzoo.models.DualHeadStudent
    assert loaded.get_config()["aux_units"] == 4
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), student.predict(x, verbose=0), rtol=1e-6
    )
    config = distiller.get_config()
    restored = kzoo.models.Distiller.from_config(config)
    assert isinstance(restored.distillation_loss, kzoo.losses.BinaryKLNormLoss)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: num_classes=0"):
        kzoo.models.DualHeadStudent(_backbone(), 0)
    with pytest.raises(ValueError, match="Received: aux_units=0"):
        kzoo.models.DualHeadStudent(_backbone(), 3, aux_units=0)
    with pytest.raises(ValueError, match="Received: aux_dropout=1.0"):
        kzoo.models.DualHeadStudent(_backbone(), 3, aux_dropout=1.0)
    student = keras.Sequential([_backbone(), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="Received: distillation_weight=-1"):
        kzoo.models.Distiller(
            student, _teacher(), "kl_divergence", distillation_weight=-1
        )
    with pytest.raises(ValueError, match="distillation_loss"):
        kzoo.models.Distiller(student, _teacher(), None)


def test_dual_head_export_drops_the_aux_head(tmp_path):
    # kzoo.export runs a TensorFlow subprocess on JAX and PyTorch.
    x, _ = _data()
    student = kzoo.models.DualHeadStudent(_backbone(), 3, aux_units=4)
    student(x)
    deploy = student.inference_model()
    assert len(deploy.weights) == 4  # backbone and main head only
    out = os.path.join(tmp_path, "student.tflite")
    report = kzoo.export.export_model(deploy, out, sample_input=x[:4],
                                      verbose=False)  # fmt: skip
    assert report.max_abs_diff < 1e-5
    got = kzoo.export.TFLiteModel(out).predict(x)
    assert got.shape == (16, 3)
    np.testing.assert_allclose(got, student.predict(x, verbose=0), atol=1e-5)

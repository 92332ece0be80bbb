"""Reusable per-loss checklists (STYLE.md §2.13), as pytest mixins.

Usage in a test module:

```python
class TestMyLoss(kzoo.testing.EmbeddingLossChecklist):
    loss_class = kzoo.losses.MyLoss
    default_kwargs = {"margin": 0.2}
    bad_kwargs = [({"margin": "x"}, "Received: margin='x'")]
```

Every `test_*` method below then runs for `MyLoss` on the active backend.
Parity with an independent reference is loss-specific and lives in the loss's
own tests.
"""

import os

import keras
import numpy as np
import pytest

from kzoo.testing.data import clustered_embeddings
from kzoo.testing.gradients import directional_derivative
from kzoo.testing.gradients import value_and_grad

_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight")


def _assert_finite(value, grad, case):
    assert np.isfinite(value), f"{case}: loss is {value}"
    assert np.all(np.isfinite(grad)), f"{case}: gradient has non-finite entries"


def _expected_reduction(per_sample, weights, reduction):
    weighted = per_sample * weights
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean_with_sample_weight":
        return weighted.sum() / weights.sum()
    return weighted.sum() / per_sample.size


class _LossChecklist:
    """Checks shared by embedding and classification losses."""

    loss_class = None
    default_kwargs = {}
    bad_kwargs = []
    # Tolerance of the finite-difference check (float32 central differences).
    fd_rtol = 2e-2
    fd_atol = 2e-3
    # Overrides of `default_kwargs` for the finite-difference check only, for
    # losses with a piecewise-constant part (e.g. an average over the pairs
    # with non-zero loss, whose count jumps) that differences would straddle.
    fd_kwargs = {}

    def make_loss(self, **overrides):
        return self.loss_class(**{**self.default_kwargs, **overrides})

    # Subclasses provide: batch(), model_output_dim, fit_data(), bad_shapes().

    def loss_value(self, loss, y, x):
        return float(keras.ops.convert_to_numpy(loss(y, x)))

    def test_returns_float32_scalar(self):
        y, x = self.batch()
        out = self.make_loss()(y, x)
        assert tuple(out.shape) == ()
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        assert np.isfinite(keras.ops.convert_to_numpy(out))

    def test_reductions_and_sample_weight(self):
        y, x = self.batch()
        per_sample = keras.ops.convert_to_numpy(
            self.make_loss(reduction="none")(y, x)
        ).astype("float64")
        assert per_sample.shape == (len(y),)
        weights = np.linspace(0.0, 2.0, len(y)).astype("float32")
        for reduction in _REDUCTIONS:
            got = keras.ops.convert_to_numpy(
                self.make_loss(reduction=reduction)(y, x, sample_weight=weights)
            )
            expected = _expected_reduction(per_sample, weights, reduction)
            np.testing.assert_allclose(
                got, expected, rtol=1e-5, atol=1e-6, err_msg=reduction
            )
        unweighted = self.loss_value(self.make_loss(), y, x)
        np.testing.assert_allclose(
            unweighted, per_sample.mean(), rtol=1e-5, atol=1e-6
        )
        got = keras.ops.convert_to_numpy(
            self.make_loss()(y, x, sample_weight=np.zeros(len(y), "float32"))
        )
        np.testing.assert_allclose(got, 0.0, atol=1e-7)

    def test_gradient_matches_finite_differences(self):
        y, x = self.batch()
        loss = self.make_loss(**self.fd_kwargs)
        _, grad = value_and_grad(lambda t: loss(y, t), x)
        rng = np.random.default_rng(7)
        for _ in range(3):
            direction = rng.normal(size=x.shape)
            direction = (direction / np.linalg.norm(direction)).astype(
                "float32"
            )
            numeric = directional_derivative(
                lambda t: self.loss_value(loss, y, t), x, direction
            )
            analytic = float(np.sum(grad * direction))
            np.testing.assert_allclose(
                analytic, numeric, rtol=self.fd_rtol, atol=self.fd_atol
            )

    def test_serialization_round_trip(self):
        loss = self.make_loss()
        serialized = keras.losses.serialize(loss)
        assert (
            serialized["registered_name"] == f"kzoo>{self.loss_class.__name__}"
        )
        restored = keras.losses.deserialize(serialized)
        assert type(restored) is self.loss_class
        assert restored.get_config() == loss.get_config()
        y, x = self.batch()
        np.testing.assert_allclose(
            self.loss_value(restored, y, x),
            self.loss_value(loss, y, x),
            rtol=1e-6,
        )

    def test_keras_file_round_trip(self, tmp_path):
        loss = self.make_loss()
        model = self.small_model()
        model.compile(optimizer="sgd", loss=loss)
        path = os.path.join(tmp_path, "model.keras")
        model.save(path)
        # No custom_objects: registration as kzoo>Name is enough.
        loaded = keras.saving.load_model(path)
        assert type(loaded.loss) is self.loss_class
        assert loaded.loss.get_config() == loss.get_config()

    @pytest.mark.requires_trainable_backend
    @pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
    def test_fit_smoke(self, jit_compile):
        x, y = self.fit_data()
        model = self.small_model()
        before = [np.array(w) for w in model.get_weights()]
        model.compile(
            optimizer=keras.optimizers.SGD(0.05),
            loss=self.make_loss(),
            jit_compile=jit_compile,
        )
        history = model.fit(
            x, y, batch_size=len(y) // 2, epochs=1, verbose=0, shuffle=False
        )
        losses = history.history["loss"]
        assert np.all(np.isfinite(losses)), losses
        after = model.get_weights()
        assert any(not np.allclose(a, b) for a, b in zip(before, after)), (
            "fit did not move the weights"
        )

    def test_mixed_precision(self):
        y, x = self.batch()
        keras.config.set_dtype_policy("mixed_bfloat16")
        try:
            loss = self.make_loss()
            out = loss(y, keras.ops.cast(x, "bfloat16"))
            assert keras.backend.standardize_dtype(out.dtype) == "float32"
            assert np.isfinite(keras.ops.convert_to_numpy(out))
            xf, yf = self.fit_data()
            model = self.small_model()
            model.compile(optimizer=keras.optimizers.SGD(0.05), loss=loss)
            history = model.fit(xf, yf, batch_size=len(yf), epochs=1, verbose=0)
            assert np.all(np.isfinite(history.history["loss"]))
        finally:
            keras.config.set_dtype_policy("float32")

    def test_bad_hyperparameters_raise(self):
        for kwargs, match in self.bad_kwargs:
            with pytest.raises(ValueError, match=match):
                self.make_loss(**kwargs)
        with pytest.raises(ValueError, match="reduction"):
            self.make_loss(reduction="avg")

    def test_bad_shapes_raise(self):
        loss = self.make_loss()
        for y, x, match in self.bad_shapes():
            with pytest.raises(ValueError, match=match):
                loss(y, x)


class EmbeddingLossChecklist(_LossChecklist):
    """Checklist for `loss(labels, embeddings)` losses.

    Set `loss_class`, optionally `default_kwargs` and `bad_kwargs` (a list of
    `(kwargs, regex)` pairs that must raise `ValueError` at construction).
    """

    embedding_dim = 5

    def batch(self):
        return clustered_embeddings(3, 3, self.embedding_dim, seed=0)

    def small_model(self):
        return keras.Sequential(
            [keras.Input((6,)), keras.layers.Dense(self.embedding_dim)]
        )

    def fit_data(self):
        rng = np.random.default_rng(3)
        y = np.tile(np.arange(4), 4).astype("int32")
        x = rng.normal(size=(4, 6))[y] + 0.5 * rng.normal(size=(16, 6))
        return x.astype("float32"), y

    def bad_shapes(self):
        y, x = self.batch()
        return [
            (y, x[0], "y_pred"),
            (y, x[:, :, None], "y_pred"),
            (y[:-1], x, "same batch size"),
            (np.stack([y, y], axis=1), x, "y_true"),
        ]

    @pytest.mark.parametrize(
        "case",
        [
            "no_positives",
            "one_class",
            "batch_of_one",
            "identical_embeddings",
            "duplicated_pairs",
        ],
    )
    def test_degenerate_batches_are_finite(self, case):
        y, x = self.batch()
        if case == "no_positives":
            y = np.arange(len(y), dtype="int32")
        elif case == "one_class":
            y = np.zeros_like(y)
        elif case == "batch_of_one":
            y, x = y[:1], x[:1]
        elif case == "identical_embeddings":
            x = np.repeat(x[:1], len(y), axis=0)
        elif case == "duplicated_pairs":
            x = np.concatenate([x[:4], x[:4]])
            y = np.concatenate([y[:4], y[:4]])
        loss = self.make_loss()
        value, grad = value_and_grad(lambda t: loss(y, t), x)
        _assert_finite(value, grad, case)

    def test_large_integer_labels_are_not_merged(self):
        # Cast to float32, 2**24 and 2**24 + 1 would become the same label.
        y, x = self.batch()
        expected = self.loss_value(self.make_loss(), y, x)
        big = (y.astype("int64") * 1 + 2**24).astype("int32")
        np.testing.assert_allclose(
            self.loss_value(self.make_loss(), big, x), expected, rtol=1e-6
        )


class ClassificationLossChecklist(_LossChecklist):
    """Checklist for `loss(y_true, logits)` classification losses."""

    num_classes = 4

    def batch(self):
        rng = np.random.default_rng(0)
        y = np.array([0, 1, 2, 3, 1, 2, 0], dtype="int32")
        x = rng.normal(scale=2.0, size=(len(y), self.num_classes))
        return y, x.astype("float32")

    def small_model(self):
        return keras.Sequential(
            [keras.Input((6,)), keras.layers.Dense(self.num_classes)]
        )

    def fit_data(self):
        rng = np.random.default_rng(3)
        y = np.tile(np.arange(self.num_classes), 4).astype("int32")
        x = rng.normal(size=(self.num_classes, 6))[y] + 0.3 * rng.normal(
            size=(len(y), 6)
        )
        return x.astype("float32"), y

    def bad_shapes(self):
        y, x = self.batch()
        return [
            (y, x[0], "y_pred"),
            (y, x[:, :1], "at least 2 classes"),
            (y[:-1], x, "same batch size"),
        ]

    def test_sparse_and_one_hot_targets_agree(self):
        y, x = self.batch()
        loss = self.make_loss()
        sparse = self.loss_value(loss, y, x)
        column = self.loss_value(loss, y[:, None], x)
        one_hot = np.eye(self.num_classes, dtype="float32")[y]
        dense = self.loss_value(loss, one_hot, x)
        np.testing.assert_allclose(column, sparse, rtol=1e-6)
        np.testing.assert_allclose(dense, sparse, rtol=1e-6)

    @pytest.mark.parametrize(
        "case",
        [
            "constant_logits",
            "one_class",
            "batch_of_one",
            "huge_logits",
            "two_classes",
        ],
    )
    def test_degenerate_batches_are_finite(self, case):
        y, x = self.batch()
        if case == "constant_logits":
            x = np.full_like(x, 3.0)
        elif case == "one_class":
            y = np.zeros_like(y)
        elif case == "batch_of_one":
            y, x = y[:1], x[:1]
        elif case == "huge_logits":
            x = x * 1e4
        elif case == "two_classes":
            y, x = y % 2, x[:, :2]
        loss = self.make_loss()
        value, grad = value_and_grad(lambda t: loss(y, t), x)
        _assert_finite(value, grad, case)

"""The shared checklist, run over every loss class kzoo exports.

Every concrete subclass of `kzoo.losses.Loss` registered with `kzoo_export`
is collected here; each needs an example in `tests/losses/examples/`.
Checked for each: every Keras reduction and `sample_weight` mode against the
per-sample values, the constructor-config round trip (every argument, through
`get_config`, `keras.losses.serialize` and `.keras`-style deserialization,
without custom objects), and the functional twin (same options, same
values).
"""

import inspect

import keras
import numpy as np
import pytest

import kzoo
from kzoo.api_export import EXPORTED
from kzoo.losses.loss import option_parameters
from tests.losses.examples import load_all

EXAMPLES = load_all()

# Bases that are not losses on their own.
ABSTRACT = {
    kzoo.losses.Loss,
    kzoo.losses.EmbeddingLoss,
    kzoo.losses.ClassificationLoss,
    kzoo.losses.PairWeightingLoss,
    kzoo.losses.InBatchNegativeLoss,
}


def _loss_classes():
    found = {}
    for path, obj in EXPORTED.items():
        if (
            path.startswith("kzoo.")
            and inspect.isclass(obj)
            and issubclass(obj, kzoo.losses.Loss)
            and obj not in ABSTRACT
        ):
            found[obj.__name__] = obj
    return [found[k] for k in sorted(found)]


LOSSES = _loss_classes()
IDS = [cls.__name__ for cls in LOSSES]
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight")


def _example(cls):
    if cls.__name__ not in EXAMPLES:
        pytest.fail(
            f"{cls.__name__} has no example: add one to tests/losses/examples/"
        )
    return EXAMPLES[cls.__name__](np.random.default_rng(0))


def _numpy(x):
    return keras.ops.convert_to_numpy(x).astype("float64")


def test_every_loss_has_an_example():
    missing = [c.__name__ for c in LOSSES if c.__name__ not in EXAMPLES]
    assert not missing, f"no example in tests/losses/examples/ for {missing}"
    stale = sorted(set(EXAMPLES) - set(IDS))
    assert not stale, f"examples for classes that are not exported: {stale}"


@pytest.mark.parametrize("cls", LOSSES, ids=IDS)
def test_reductions_and_sample_weight(cls):
    ex = _example(cls)
    loss = cls(**ex.kwargs)
    value = _numpy(loss(ex.y_true, ex.y_pred))
    assert value.shape == ()
    assert np.isfinite(value)
    if cls.batch_level:
        for reduction in REDUCTIONS + ("none",):
            got = _numpy(
                cls(**ex.kwargs, reduction=reduction)(ex.y_true, ex.y_pred)
            )
            np.testing.assert_allclose(got, value, rtol=1e-5, err_msg=reduction)
        scaled = _numpy(loss(ex.y_true, ex.y_pred, sample_weight=0.5))
        np.testing.assert_allclose(scaled, 0.5 * value, rtol=1e-5, atol=1e-7)
        if not cls._call_takes_weights:
            with pytest.raises(ValueError, match="sample_weight"):
                loss(
                    ex.y_true,
                    ex.y_pred,
                    sample_weight=np.ones(ex.batch_size, "float32"),
                )
        return
    per_sample = _numpy(
        cls(**ex.kwargs, reduction="none")(ex.y_true, ex.y_pred)
    )
    assert per_sample.shape[0] == ex.batch_size, per_sample.shape
    np.testing.assert_allclose(value, per_sample.mean(), rtol=1e-5, atol=1e-6)
    weights = np.linspace(0.0, 2.0, ex.batch_size).astype("float32")
    w = weights.reshape((-1,) + (1,) * (per_sample.ndim - 1))
    weighted = per_sample * w
    expected = {
        "sum": weighted.sum(),
        "sum_over_batch_size": weighted.sum() / per_sample.size,
        "mean": weighted.sum() / per_sample.size,
        "mean_with_sample_weight": weighted.sum()
        / np.broadcast_to(w, per_sample.shape).sum(),
    }
    for reduction in REDUCTIONS:
        got = _numpy(
            cls(**ex.kwargs, reduction=reduction)(
                ex.y_true, ex.y_pred, sample_weight=weights
            )
        )
        np.testing.assert_allclose(
            got, expected[reduction], rtol=1e-5, atol=1e-6, err_msg=reduction
        )
    zero = _numpy(
        loss(ex.y_true, ex.y_pred, sample_weight=np.zeros_like(weights))
    )
    np.testing.assert_allclose(zero, 0.0, atol=1e-7)


@pytest.mark.parametrize("cls", LOSSES, ids=IDS)
def test_config_round_trip(cls):
    ex = _example(cls)
    loss = cls(**ex.kwargs)
    config = loss.get_config()
    options = {p.name for p in option_parameters(cls)}
    assert set(config) == {"name", "reduction", "dtype"} | options
    rebuilt = cls.from_config(config)
    assert rebuilt.get_config() == config
    serialized = keras.losses.serialize(loss)
    assert serialized["registered_name"] == f"kzoo>{cls.__name__}"
    restored = keras.losses.deserialize(serialized)
    assert type(restored) is cls
    assert restored.get_config() == config
    np.testing.assert_allclose(
        _numpy(restored(ex.y_true, ex.y_pred)),
        _numpy(loss(ex.y_true, ex.y_pred)),
        rtol=1e-6,
    )


def _twin(cls):
    module = inspect.getmodule(cls)
    for name, obj in vars(module).items():
        if (
            inspect.isfunction(obj)
            and EXPORTED.get(f"kzoo.losses.{name}") is obj
            and (obj.__doc__ or "").find(f"kzoo.losses.{cls.__name__}`") >= 0
        ):
            return obj
    return None


@pytest.mark.parametrize("cls", LOSSES, ids=IDS)
def test_functional_twin(cls):
    twin = _twin(cls)
    assert twin is not None, f"{cls.__name__} has no functional twin"
    params = list(inspect.signature(twin).parameters)
    assert params[:2] == ["y_true", "y_pred"]
    assert params[2:] == [p.name for p in option_parameters(cls)]
    ex = _example(cls)
    np.testing.assert_allclose(
        _numpy(twin(ex.y_true, ex.y_pred, **ex.kwargs)),
        _numpy(cls(**ex.kwargs, reduction="none")(ex.y_true, ex.y_pred)),
        rtol=1e-6,
        atol=1e-7,
    )

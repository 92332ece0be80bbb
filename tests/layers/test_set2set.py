"""Set2Set. Parity reference: torch-geometric 2.8.1 `nn.aggr.Set2Set`, run
inline with its LSTM weights copied in (kernel = weight_ih.T, recurrent
kernel = weight_hh.T, bias = bias_ih + bias_hh)."""

import os
import warnings

import keras
import numpy as np
import pytest
import torch

import kzoo
from kzoo.testing import directional_derivative
from kzoo.testing import value_and_grad

D, N, STEPS = 4, 5, 2


def _np(x):
    return keras.ops.convert_to_numpy(x)


def _sets():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, N, D)).astype(np.float32)
    mask = np.ones((4, N), bool)
    mask[1, 3:] = False
    mask[2, 1:] = False
    return x, mask


def _pyg_set2set():
    # torch-geometric 2.8.1 calls torch.jit.script at import, deprecated in
    # torch 2.13 (a DeprecationWarning, an error under our filterwarnings).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from torch_geometric.nn.aggr import Set2Set

    return Set2Set


def _pair():
    PygSet2Set = _pyg_set2set()
    torch.manual_seed(0)
    ref = PygSet2Set(D, processing_steps=STEPS)
    layer = kzoo.layers.Set2Set(STEPS)
    layer.build((None, N, D))
    lstm = ref.lstm
    layer.set_weights(
        [
            lstm.weight_ih_l0.detach().numpy().T,
            lstm.weight_hh_l0.detach().numpy().T,
            (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach().numpy(),
        ]
    )
    return layer, ref


def test_matches_torch_geometric_and_is_order_invariant():
    layer, ref = _pair()
    x, mask = _sets()
    got = _np(layer(x, mask=mask))
    assert got.shape == (4, 2 * D)
    want = ref(
        torch.from_numpy(x[mask]), torch.from_numpy(np.nonzero(mask)[0])
    ).detach()
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-6)
    # Gradient parity: d sum(out * c) / dx.
    c = np.random.default_rng(1).normal(size=got.shape).astype(np.float32)
    _, grad = value_and_grad(
        lambda t: keras.ops.sum(
            layer(t, mask=mask) * keras.ops.convert_to_tensor(c)
        ),
        x,
    )
    xt = torch.from_numpy(x[mask]).requires_grad_(True)
    out = ref(xt, torch.from_numpy(np.nonzero(mask)[0]))
    (out * torch.from_numpy(c)).sum().backward()
    np.testing.assert_allclose(grad[mask], xt.grad.numpy(), atol=1e-5)
    np.testing.assert_array_equal(grad[~mask], 0.0)
    perm = np.random.default_rng(2).permutation(N)
    np.testing.assert_allclose(
        _np(layer(x[:, perm], mask=mask[:, perm])), got, atol=1e-6
    )
    # Unmasked = all elements; padding values do not leak through the mask.
    np.testing.assert_allclose(
        _np(layer(x))[0], _np(layer(x, mask=mask))[0], atol=1e-6
    )
    x2 = x.copy()
    x2[~mask] = 100.0
    np.testing.assert_allclose(_np(layer(x2, mask=mask)), got, atol=1e-6)


def test_empty_set_and_keras_mask():
    layer, _ = _pair()
    x, mask = _sets()
    mask[3] = False
    out = _np(layer(x, mask=mask))
    assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(out[3, D:], 0.0)  # nothing to read
    inp = keras.Input((N, D))
    masked = keras.layers.Masking(0.0)(inp)
    model = keras.Model(inp, layer(masked))
    xz = np.where(mask[..., None], x, 0.0).astype(np.float32)
    np.testing.assert_allclose(_np(model(xz)), out, atol=1e-6)


def test_finite_difference_gradient():
    layer, _ = _pair()
    x, mask = _sets()
    _, grad = value_and_grad(lambda t: keras.ops.sum(layer(t, mask=mask)), x)
    rng = np.random.default_rng(3)
    d = rng.normal(size=x.shape).astype(np.float32)
    d /= np.linalg.norm(d)
    numeric = directional_derivative(
        lambda t: float(_np(keras.ops.sum(layer(t, mask=mask)))), x, d
    )
    np.testing.assert_allclose(np.sum(grad * d), numeric, rtol=2e-2, atol=2e-3)


def _model():
    inp = keras.Input((N, D))
    h = keras.layers.Dense(D)(inp)
    q = kzoo.layers.Set2Set(1)(h)  # one step: torch.compile stays quick
    return keras.Model(inp, keras.layers.Dense(1)(q))


def test_config_and_keras_file(tmp_path):
    layer = kzoo.layers.Set2Set(5, unit_forget_bias=False)
    restored = kzoo.layers.Set2Set.from_config(layer.get_config())
    assert restored.get_config() == layer.get_config()
    model = _model()
    x, _ = _sets()
    path = os.path.join(tmp_path, "s2s.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects
    np.testing.assert_allclose(_np(loaded(x)), _np(model(x)), atol=1e-6)


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_smoke(jit_compile):
    x, _ = _sets()
    y = x.sum(axis=(1, 2))[:, None]
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    model.compile(optimizer="adam", loss="mse", jit_compile=jit_compile)
    history = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    after = model.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after))


def test_mixed_precision():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        layer = kzoo.layers.Set2Set(2)
        x, mask = _sets()
        out = layer(keras.ops.cast(x, "bfloat16"), mask=mask)
        assert keras.backend.standardize_dtype(out.dtype) == "bfloat16"
        assert layer.kernel.dtype == "float32"
        assert np.all(np.isfinite(_np(keras.ops.cast(out, "float32"))))
    finally:
        keras.config.set_dtype_policy("float32")


def test_bad_arguments_raise():
    for value in (0, -1, 2.5, "3"):
        with pytest.raises(ValueError, match="processing_steps"):
            kzoo.layers.Set2Set(value)
    with pytest.raises(ValueError, match="last dimension"):
        kzoo.layers.Set2Set(2).build((None, N, None))

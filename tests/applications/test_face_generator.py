"""The face application's procedural identity generator and half faces."""

import numpy as np
import pytest

import kzoo
from kzoo.applications import face


@pytest.fixture(scope="module")
def faces():
    return face.make_face_identities(12, 6, image_size=48, seed=3)


def test_shapes_dtypes_and_determinism(faces):
    x, y, lm = faces
    assert x.shape == (72, 48, 48, 3) and x.dtype == np.uint8
    assert y.dtype == np.int32 and lm.shape == (72, 5, 2)
    np.testing.assert_array_equal(y, np.repeat(np.arange(12), 6))
    x2, _, lm2 = face.make_face_identities(
        12, 6, image_size=48, seed=3, chunk_size=7
    )
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(lm, lm2)
    x3, _, _ = face.make_face_identities(12, 6, image_size=48, seed=4)
    assert not np.array_equal(x, x3)


def test_unposed_render_is_symmetric_and_landmarks_mirror():
    x, _, lm = face.make_face_identities(
        5, 2, image_size=40, difficulty=0.0, seed=0
    )
    np.testing.assert_array_equal(x, x[:, :, ::-1])
    # No nuisance at difficulty 0 but the background colour.
    np.testing.assert_array_equal(x[0, 12:30, 15:25], x[1, 12:30, 15:25])
    c = (40 - 1) / 2.0
    np.testing.assert_allclose(lm[:, 0, 0] + lm[:, 1, 0], 2 * c, atol=1e-4)
    np.testing.assert_allclose(lm[:, 3, 0] + lm[:, 4, 0], 2 * c, atol=1e-4)
    np.testing.assert_allclose(lm[:, 2, 0], c, atol=1e-4)
    np.testing.assert_allclose(lm[:, 0, 1], lm[:, 1, 1])


def test_eye_landmarks_sit_on_the_pupils():
    # Pupils are the only near-black pixels inside the sclera; under pose,
    # the centroid of dark pixels near each eye landmark is the landmark.
    x, _, lm = face.make_face_identities(
        6, 3, image_size=112, difficulty=0.6, seed=5
    )
    gray = x.astype("float64").mean(-1)
    yy, xx = np.mgrid[:112, :112]
    for i in range(len(x)):
        for e in (0, 1):
            px, py = lm[i, e]
            near = (xx - px) ** 2 + (yy - py) ** 2 <= 3.5**2
            g = gray[i]
            dark = near & (g < g[near].min() + 25)
            cx, cy = xx[dark].mean(), yy[dark].mean()
            assert abs(cx - px) < 1.5 and abs(cy - py) < 1.5, (i, e)


def _nn_accuracy(x, y):
    """Leave-one-out 1-NN identification on the central crop's pixels."""
    c = x.shape[1] // 4
    f = x[:, c:-c, c:-c].reshape(len(x), -1).astype("float32") / 255.0
    f = f - f.mean(1, keepdims=True)
    f /= np.linalg.norm(f, axis=1, keepdims=True)
    sims = f @ f.T
    np.fill_diagonal(sims, -np.inf)
    return np.mean(y[sims.argmax(1)] == y)


def test_identities_are_distinguishable(faces):
    x, y, _ = faces
    # Posed, lit, noisy (difficulty 1): raw pixels still identify far above
    # chance (1/12; measured 0.42 with seed 3).
    assert _nn_accuracy(x, y) > 0.3
    # Without nuisance every identity is unique.
    x0, y0, _ = face.make_face_identities(
        12, 2, image_size=48, difficulty=0.0, seed=3
    )
    assert _nn_accuracy(x0, y0) == 1.0


def test_half_face_pairs():
    x, _, lm = face.make_face_identities(
        4, 2, image_size=32, difficulty=0.0, seed=1
    )
    left, right, rho = face.half_face_pairs(x, lm)
    assert left.shape == (8, 32, 16, 3) and left.dtype == np.uint8
    np.testing.assert_array_equal(left, right)  # symmetric faces
    np.testing.assert_allclose(rho, 1.0, atol=1e-5)
    np.testing.assert_array_equal(left[:, :, :, :], x[:, :, :16])
    np.testing.assert_array_equal(right, x[:, :, 16:][:, :, ::-1])
    xp, _, lmp = face.make_face_identities(
        30, 1, image_size=32, difficulty=1.0, seed=1
    )
    _, _, rho_p = face.half_face_pairs(xp, lmp)
    assert rho_p.min() < 0.9 and np.all((rho_p >= 0) & (rho_p <= 1))
    _, _, ones = face.half_face_pairs(xp)
    np.testing.assert_array_equal(ones, 1.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: num_identities=0"):
        face.make_face_identities(0, 2)
    with pytest.raises(ValueError, match="Received: difficulty=-1"):
        face.make_face_identities(2, 2, difficulty=-1)
    with pytest.raises(ValueError, match="Received: image_size=8"):
        face.make_face_identities(2, 2, image_size=8)
    with pytest.raises(ValueError, match="images.shape"):
        face.half_face_pairs(np.zeros((4, 4, 3)))


@pytest.mark.parametrize(
    "old, new",
    [
        ("make_face_identities", face.make_face_identities),
        ("half_face_pairs", face.half_face_pairs),
    ],
)
def test_old_kzoo_data_names_are_deprecated_aliases(old, new):
    with pytest.warns(DeprecationWarning, match="kzoo.applications.face"):
        assert getattr(kzoo.data, old) is new
    assert old not in kzoo.data.__all__
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        kzoo.data.nope

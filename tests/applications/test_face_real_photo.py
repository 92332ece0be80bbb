"""End-to-end smoke test on a real photograph (no accuracy claim).

The photo is scikit-image's `astronaut()` (Eileen Collins, NASA, public
domain; it ships inside the scikit-image wheel). No detector is used: the
five landmarks below were read off the 512x512 image by hand (pixel centres
of the pupils, the nose tip and the mouth corners) and are the input of the
alignment, as a detector's output would be.
"""

import numpy as np
import pytest

from kzoo.applications import face

skimage_data = pytest.importorskip(
    "skimage.data", reason="scikit-image is a test extra (pip install .[test])"
)

ASTRONAUT_LANDMARKS = np.array(
    [
        [205.0, 102.0],  # left eye (image left)
        [246.0, 102.5],  # right eye
        [225.5, 126.0],  # nose tip
        [204.5, 142.0],  # left mouth corner
        [243.75, 141.25],  # right mouth corner
    ]
)


def test_align_and_embed_a_real_face():
    image = skimage_data.astronaut()
    aligned, matrix = face.align_faces(image, ASTRONAUT_LANDMARKS)
    assert aligned.shape == (112, 112, 3) and aligned.dtype == np.uint8
    # The similarity transform is close to the identity up to scale: an
    # upright face (small rotation), eyes ~41 px apart -> ~35 px.
    scale = np.hypot(*matrix[:, 0])
    rotation = np.degrees(np.arctan2(matrix[1, 0], matrix[0, 0]))
    assert 0.8 < scale < 1.0 and abs(rotation) < 5
    # Skin around the nose tip, not padding: bright, reddish pixels.
    patch = aligned[60:80, 45:65].reshape(-1, 3).mean(0)
    assert patch.min() > 80 and patch[0] > patch[2]
    embedder = face.FaceEmbedder(
        "mobilefacenet", embedding_dim=32, image_size=112, width=0.25
    )
    e = embedder.embed(np.stack([aligned, aligned[:, ::-1]]))
    assert np.all(np.isfinite(e))
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)

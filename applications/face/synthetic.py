"""Aligned synthetic faces for training and held-out evaluation."""

import numpy as np

from kzoo.api_export import kzoo_export
from kzoo.applications.face.align import align_faces
from kzoo.applications.face.generator import make_face_identities

# Identity seeds: training sets use `seed`, held-out sets another seed, so
# their identities (random parameter vectors) differ.


@kzoo_export("kzoo.applications.face.synthetic_faces")
def synthetic_faces(
    num_identities,
    images_per_identity,
    image_size=112,
    difficulty=1.0,
    seed=0,
    align=True,
):
    """Procedural identities (`make_face_identities`), aligned.

    The generator's images are posed (yaw, roll, scale, shift); like real
    photos they are aligned to the 5-point template with their (exact)
    landmarks, so the pipeline is the one real data goes through.

    Returns:
        `(images, labels, landmarks)`: uint8 `[N, S, S, 3]` aligned faces,
        int32 identity ids, and the landmarks in the aligned images.
    """
    render = max(image_size, 64)
    images, labels, landmarks = make_face_identities(
        num_identities,
        images_per_identity,
        image_size=render,
        difficulty=difficulty,
        seed=seed,
    )
    if not align:
        return images, labels, landmarks
    aligned, mats = align_faces(images, landmarks, size=image_size)
    moved = (
        np.einsum("nij,nkj->nki", mats[:, :, :2], landmarks)
        + mats[:, None, :, 2]
    )
    return aligned, labels, moved.astype("float32")

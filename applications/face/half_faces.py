"""Half-face pairs for SymFace's symmetry loss.

Moved from `kzoo.data` (where `kzoo.data.half_face_pairs` remains a
deprecated alias for one release).
"""

import numpy as np

from kzoo.api_export import kzoo_export


@kzoo_export("kzoo.applications.face.half_face_pairs")
def half_face_pairs(images, landmarks=None):
    """Split faces down their symmetry axis: left half, mirrored right half.

    The axis is the 3PSS axis of SymFace — the mean of the eye midpoint's
    and the nose tip's x — when 5-point landmarks are given, else the image
    centre. Each half is `W // 2` columns wide (columns beyond the image
    repeat the edge), and the right half is mirrored, so both halves "face"
    the same way and one network embeds them. The frontality coefficient is

    ```
    D = |x_eye_mid − x_nose|
    ρ = clip(1 − D / (0.5 · |x_right_eye − x_left_eye|), 0, 1)
    ```

    (ρ = 1 for a frontal face, 0 when the nose has moved by half the eye
    distance). The paper defines ρ from the same three x-coordinates; its
    exact scaling could not be checked (see `FacialSymmetryLoss`), so this
    normalization is kzoo's. Host-side NumPy, for input pipelines.

    Args:
        images: `[N, H, W, C]` array.
        landmarks: optional `[N, 5, 2]` (x, y) pixel landmarks in the order
            left eye, right eye, nose tip, left/right mouth corner (as
            returned by `make_face_identities`). Defaults to `None`.

    Returns:
        `(left, right_mirrored, rho)`: two `[N, H, W // 2, C]` arrays of the
        images' dtype and float32 `[N]` (ones without landmarks).

    Example:

    ```python
    from kzoo.applications import face

    x, y, lm = face.make_face_identities(10, 4, image_size=64)
    left, right, rho = face.half_face_pairs(x, lm)
    ```
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            "`images` must be a batch [N, H, W, C]. "
            f"Received: images.shape={images.shape}"
        )
    n, _, w, _ = images.shape
    half = w // 2
    if landmarks is None:
        axis = np.full(n, (w - 1) / 2.0)
        rho = np.ones(n, "float32")
    else:
        lm = np.asarray(landmarks, "float64")
        if lm.shape != (n, 5, 2):
            raise ValueError(
                "`landmarks` must have shape (N, 5, 2). "
                f"Received: landmarks.shape={lm.shape}"
            )
        eye_mid = (lm[:, 0, 0] + lm[:, 1, 0]) / 2.0
        nose = lm[:, 2, 0]
        axis = (eye_mid + nose) / 2.0
        eye_dist = np.maximum(np.abs(lm[:, 1, 0] - lm[:, 0, 0]), 1e-6)
        rho = np.clip(1.0 - np.abs(eye_mid - nose) / (0.5 * eye_dist), 0, 1)
        rho = rho.astype("float32")
    # First right-half column (the small tolerance absorbs float32 landmark
    # rounding at an exact half-pixel axis).
    split = np.floor(axis + 0.5 + 1e-3).astype("int64")
    offsets = np.arange(half)
    left_cols = np.clip(split[:, None] - half + offsets, 0, w - 1)
    right_cols = np.clip(split[:, None] + offsets[::-1], 0, w - 1)
    rows = np.arange(n)[:, None]
    left = images[rows, :, left_cols].transpose(0, 2, 1, 3)
    right = images[rows, :, right_cols].transpose(0, 2, 1, 3)
    return left, right, rho

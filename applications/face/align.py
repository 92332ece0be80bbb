"""5-point face alignment to the standard 112×112 template."""

import numpy as np

from kzoo.api_export import kzoo_export

# The 5-point template of the widely used 112x112 ArcFace/insightface crop:
# left eye, right eye, nose tip, left and right mouth corners (x, y), in
# pixels, for a 112x112 image.
TEMPLATE_112 = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype="float64",
)


@kzoo_export("kzoo.applications.face.similarity_transform")
def similarity_transform(src, dst):
    """The least-squares similarity transform mapping `src` onto `dst`.

    Umeyama's closed form (Umeyama, *Least-squares estimation of
    transformation parameters between two point patterns*, TPAMI 1991):
    rotation, uniform scale and translation minimizing Σ‖s·R·pᵢ + t − qᵢ‖².

    Args:
        src, dst: `[K, 2]` point sets (K ≥ 2).

    Returns:
        A `[2, 3]` matrix `M` with `dst ≈ src @ M[:, :2].T + M[:, 2]`.
    """
    src = np.asarray(src, "float64")
    dst = np.asarray(dst, "float64")
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2:
        raise ValueError(
            "`src` and `dst` must both have shape [K, 2]. Received: "
            f"src.shape={src.shape}, dst.shape={dst.shape}"
        )
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s0, d0 = src - mu_s, dst - mu_d
    cov = d0.T @ s0 / len(src)
    u, sig, vt = np.linalg.svd(cov)
    sign = np.ones(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[-1] = -1
    rot = u @ np.diag(sign) @ vt
    var = (s0**2).sum() / len(src)
    scale = (sig * sign).sum() / var if var > 0 else 1.0
    t = mu_d - scale * rot @ mu_s
    return np.concatenate([scale * rot, t[:, None]], axis=1)


def warp_affine(image, matrix, size):
    """Bilinear warp of `image` [H, W, C] by the forward map `matrix` [2, 3]
    into a `size`×`size` output (pixels outside the source are 0)."""
    image = np.asarray(image)
    a = matrix[:, :2]
    inv = np.linalg.inv(a)
    ys, xs = np.mgrid[0:size, 0:size].astype("float64")
    out_pts = np.stack([xs.ravel(), ys.ravel()], 1) - matrix[:, 2]
    src = out_pts @ inv.T
    x, y = src[:, 0], src[:, 1]
    h, w = image.shape[:2]
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    img = image.astype("float64")
    result = np.zeros((size * size, image.shape[2]))
    for dy, dx, wgt in (
        (0, 0, (1 - fx) * (1 - fy)),
        (0, 1, fx * (1 - fy)),
        (1, 0, (1 - fx) * fy),
        (1, 1, fx * fy),
    ):
        xi, yi = x0 + dx, y0 + dy
        valid = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        vals = np.zeros_like(result)
        vals[valid] = img[yi[valid], xi[valid]]
        result += vals * wgt[:, None]
    result = result.reshape(size, size, image.shape[2])
    if np.issubdtype(image.dtype, np.integer):
        result = np.clip(np.rint(result), 0, 255).astype(image.dtype)
    return result


@kzoo_export("kzoo.applications.face.align_faces")
def align_faces(images, landmarks, size=112):
    """Aligns faces to the standard template by a similarity transform.

    Args:
        images: `[N, H, W, 3]` (or one `[H, W, 3]`) images.
        landmarks: `[N, 5, 2]` (or `[5, 2]`) (x, y) pixel positions of the
            left eye, right eye, nose tip, left and right mouth corners.
        size: output size; the 112-pixel template is scaled to it.
            Defaults to `112`.

    Returns:
        `(aligned, matrices)`: `[N, size, size, 3]` images of the input
        dtype, and the `[N, 2, 3]` transforms used.
    """
    images = np.asarray(images)
    landmarks = np.asarray(landmarks, "float64")
    single = images.ndim == 3
    if single:
        images, landmarks = images[None], landmarks[None]
    if images.ndim != 4 or landmarks.shape != (len(images), 5, 2):
        raise ValueError(
            "`images` must be [N, H, W, C] and `landmarks` [N, 5, 2]. "
            f"Received: images.shape={images.shape}, "
            f"landmarks.shape={landmarks.shape}"
        )
    template = TEMPLATE_112 * (size / 112.0)
    mats = np.stack([similarity_transform(p, template) for p in landmarks])
    aligned = np.stack(
        [warp_affine(img, m, size) for img, m in zip(images, mats)]
    )
    if single:
        return aligned[0], mats[0]
    return aligned, mats

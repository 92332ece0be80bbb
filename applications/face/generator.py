"""Seeded procedural face identities with exact 5-point landmarks.

Moved from `kzoo.data` (where `kzoo.data.make_face_identities` remains a
deprecated alias for one release).
"""

import numpy as np

from kzoo._validation import check_integer
from kzoo._validation import check_non_negative
from kzoo.api_export import kzoo_export

# Landmark order (insightface / MTCNN convention, image left to right).
LANDMARK_NAMES = (
    "left_eye",
    "right_eye",
    "nose_tip",
    "left_mouth_corner",
    "right_mouth_corner",
)

# Depth of each part for the yaw approximation (face plane = 0).
_Z_EYE, _Z_NOSE, _Z_MOUTH, _Z_BROW = 0.45, 0.9, 0.5, 0.5


def _identity_params(rng, n):
    """One row of face parameters per identity (fixed across its images)."""
    u = lambda lo, hi: rng.uniform(lo, hi, n)  # noqa: E731
    tone = u(0, 1)
    skin_dark = np.array([0.36, 0.23, 0.16])
    skin_light = np.array([0.96, 0.80, 0.68])
    skin = skin_dark + tone[:, None] * (skin_light - skin_dark)
    skin = np.clip(skin + rng.normal(0, 0.03, (n, 3)), 0.15, 1.0)
    hair = np.clip(
        rng.choice(
            np.array(
                [
                    [0.12, 0.09, 0.07],
                    [0.35, 0.22, 0.12],
                    [0.62, 0.45, 0.25],
                    [0.80, 0.66, 0.40],
                    [0.55, 0.20, 0.10],
                    [0.60, 0.60, 0.60],
                ]
            ),
            n,
        )
        + rng.normal(0, 0.04, (n, 3)),
        0.1,
        1.0,
    )
    iris = np.clip(
        rng.choice(
            np.array(
                [[0.30, 0.18, 0.08], [0.20, 0.40, 0.65], [0.30, 0.50, 0.30]]
            ),
            n,
        )
        + rng.normal(0, 0.04, (n, 3)),
        0.12,
        1.0,
    )
    lips = np.clip(
        skin * np.array([0.85, 0.55, 0.55]) + rng.normal(0, 0.03, (n, 3)),
        0.1,
        1.0,
    )
    return dict(
        face_w=u(0.52, 0.70),
        face_h=u(0.74, 0.90),
        taper=u(0.0, 0.35),
        hair_line=u(-0.72, -0.38),
        hair_side=u(0.0, 0.12),
        eye_dx=u(0.22, 0.33),
        eye_y=u(-0.20, -0.05),
        eye_rx=u(0.075, 0.115),
        eye_ratio=u(0.40, 0.65),
        iris_ratio=u(0.45, 0.65),
        brow_dy=u(0.09, 0.16),
        brow_th=u(0.02, 0.045),
        brow_tilt=u(-0.35, 0.35),
        nose_y=u(0.08, 0.24),
        nose_w=u(0.06, 0.12),
        mouth_y=u(0.36, 0.54),
        mouth_w=u(0.14, 0.25),
        lip_th=u(0.025, 0.055),
        skin=skin,
        hair=hair,
        iris=iris,
        lips=lips,
    )


def _nuisance(rng, n, difficulty):
    d = difficulty
    u = lambda lim: rng.uniform(-lim, lim, n)  # noqa: E731
    return dict(
        yaw=u(0.35 * d),
        roll=u(0.20 * d),
        scale=1.0 + u(0.10 * d),
        shift=np.stack([u(0.08 * d), u(0.08 * d)], 1),
        smile=u(1.0 * d),
        eye_open=1.0 - rng.uniform(0, 0.4 * d, n),
        light=u(0.35 * d),
        ambient=1.0 - rng.uniform(0, 0.3 * d, n),
        noise=rng.uniform(0, 0.05 * d, n),
        background=rng.uniform(0.2, 0.9, (n, 3)),
    )


def _soft(inside, pixels):
    """Anti-aliased mask (a one-pixel linear ramp) from a signed distance in
    canonical units."""
    return np.clip(0.5 + inside * pixels, 0.0, 1.0)


def _ellipse(u, v, cu, cv, ru, rv, px):
    # (1 − r²)/2 ≈ 1 − r near the boundary, without a square root.
    r2 = ((u - cu) / ru) ** 2 + ((v - cv) / rv) ** 2
    return _soft(0.5 * (1.0 - r2) * np.minimum(ru, rv), px)


def _blend(img, mask, color):
    color = np.asarray(color, "float32")[:, None, None, :]
    img += mask[..., None] * (color - img)
    return img


def _part_centres(p, q):
    """Canonical (before pose) landmark positions and yawed x offsets."""
    n = len(p["face_w"])
    smile = q["smile"]
    eye = np.stack([p["eye_dx"], p["eye_y"]], 1)
    mouth_half = p["mouth_w"] * (1.0 + 0.12 * smile)
    mouth_corner_y = p["mouth_y"] - 0.035 * smile
    pts = np.zeros((n, 5, 3))
    pts[:, 0] = np.stack([-eye[:, 0], eye[:, 1], np.full(n, _Z_EYE)], 1)
    pts[:, 1] = np.stack([eye[:, 0], eye[:, 1], np.full(n, _Z_EYE)], 1)
    pts[:, 2] = np.stack([np.zeros(n), p["nose_y"], np.full(n, _Z_NOSE)], 1)
    pts[:, 3] = np.stack([-mouth_half, mouth_corner_y, np.full(n, _Z_MOUTH)], 1)
    pts[:, 4] = np.stack([mouth_half, mouth_corner_y, np.full(n, _Z_MOUTH)], 1)
    return pts


def _render(p, q, size):
    n = len(p["face_w"])
    p = {k: np.asarray(a, "float32") for k, a in p.items()}
    q = {k: np.asarray(a, "float32") for k, a in q.items()}
    grid = ((np.arange(size) + 0.5) / size * 2.0 - 1.0).astype("float32")
    gx = np.broadcast_to(grid[None, None, :], (n, size, size))
    gy = np.broadcast_to(grid[None, :, None], (n, size, size))
    # Image → posed canonical: inverse of the roll/scale/shift similarity.
    c, s = np.cos(q["roll"]), np.sin(q["roll"])
    k = q["scale"]
    dx = gx - q["shift"][:, 0, None, None]
    dy = gy - q["shift"][:, 1, None, None]
    cc, ss, kk = c[:, None, None], s[:, None, None], k[:, None, None]
    u = (cc * dx + ss * dy) / kk
    v = (-ss * dx + cc * dy) / kk
    px = size / 2.0 * kk  # pixels per canonical unit
    cy, sy = np.cos(q["yaw"]), np.sin(q["yaw"])
    cyaw, syaw = cy[:, None, None], sy[:, None, None]
    col = lambda a: a[:, None, None]  # noqa: E731

    # Background with a vertical gradient.
    img = q["background"][:, None, None, :] * (
        0.85 + 0.15 * (gy[..., None] + 1.0) / 2.0
    )
    img = np.ascontiguousarray(img, dtype="float32")
    # Head / hair silhouette, then the face oval (tapered towards the chin).
    fw, fh = col(p["face_w"]), col(p["face_h"])
    head = _ellipse(
        u, v, 0.0, -0.08, (fw + col(p["hair_side"])) * cyaw, fh + 0.08, px
    )
    img = _blend(img, head * (v < 0.25), p["hair"])
    width = fw * (1.0 - col(p["taper"]) * np.clip(v / fh, 0, 1) ** 2)
    face = _soft(
        0.5 * (1.0 - (u / (width * cyaw)) ** 2 - (v / fh) ** 2) * fw, px
    )
    img = _blend(img, face, p["skin"])
    fringe = face * _soft(col(p["hair_line"]) - v, px)
    img = _blend(img, fringe, p["hair"])

    def xz(x, z):  # yawed x of a part at depth z
        return x * cyaw + z * syaw

    # Brows (thin tilted ellipses, mirrored tilt).
    for side in (-1.0, 1.0):
        bx = xz(side * col(p["eye_dx"]), _Z_BROW)
        by = col(p["eye_y"] - p["brow_dy"])
        tilt = side * col(p["brow_tilt"])
        vb = v - by - tilt * (u - bx) * 0.5
        brow = _ellipse(
            u, vb, bx, 0.0, col(p["eye_rx"]) * 1.3 * cyaw, col(p["brow_th"]), px
        )
        img = _blend(img, brow, p["hair"] * 0.8)
    # Eyes: sclera, iris, pupil.
    for side in (-1.0, 1.0):
        ex = xz(side * col(p["eye_dx"]), _Z_EYE)
        ey = col(p["eye_y"])
        rx = col(p["eye_rx"]) * cyaw
        ry = col(p["eye_rx"] * p["eye_ratio"] * q["eye_open"])
        sclera = _ellipse(u, v, ex, ey, rx, ry, px)
        img = _blend(img, sclera, np.full((n, 3), 0.95))
        ir = col(p["eye_rx"] * p["iris_ratio"]) * 0.75
        iris = sclera * _ellipse(u, v, ex, ey, ir * cyaw, ir, px)
        img = _blend(img, iris, p["iris"])
        pupil = sclera * _ellipse(u, v, ex, ey, 0.45 * ir * cyaw, 0.45 * ir, px)
        img = _blend(img, pupil, np.full((n, 3), 0.02))
    # Nose: shaded ridge and tip, nostrils.
    nx = xz(0.0, _Z_NOSE)
    ridge = _ellipse(
        u,
        v,
        xz(0.0, _Z_NOSE * 0.6),
        col(p["nose_y"]) * 0.45,
        col(p["nose_w"]) * 0.35,
        col(p["nose_y"]) * 0.6 + 0.05,
        px,
    )
    img = _blend(img, 0.25 * ridge, p["skin"] * 0.7)
    tip = _ellipse(
        u,
        v,
        nx,
        col(p["nose_y"]),
        col(p["nose_w"]) * 0.7 * cyaw,
        col(p["nose_w"]) * 0.45,
        px,
    )
    img = _blend(img, 0.35 * tip, p["skin"] * 0.75)
    for side in (-1.0, 1.0):
        nostril = _ellipse(
            u,
            v,
            xz(side * col(p["nose_w"]) * 0.55, _Z_NOSE * 0.8),
            col(p["nose_y"]) + 0.02,
            0.028 * cyaw,
            0.018,
            px,
        )
        img = _blend(img, 0.8 * nostril, p["skin"] * 0.35)
    # Mouth: lips as an ellipse bent by the smile (parabolic centre line).
    smile = col(q["smile"])
    mw = col(p["mouth_w"]) * (1.0 + 0.12 * smile)
    mx = xz(0.0, _Z_MOUTH)
    rel = (u - mx) / (mw * cyaw)
    centre = col(p["mouth_y"]) - 0.035 * smile * rel**2
    lips = _soft(
        0.5
        * (1.0 - rel**2 - ((v - centre) / col(p["lip_th"])) ** 2)
        * col(p["lip_th"]),
        px,
    )
    img = _blend(img, lips, p["lips"])
    # Lighting (left-right gradient, breaks symmetry) and noise.
    shade = col(q["ambient"]) + col(q["light"]) * gx
    img = img * shade[..., None]
    return img


@kzoo_export("kzoo.applications.face.make_face_identities")
def make_face_identities(
    num_identities,
    images_per_identity,
    image_size=112,
    difficulty=1.0,
    seed=0,
    chunk_size=256,
):
    """Procedural face images of distinct identities, with landmarks.

    Each identity is a fixed vector of face parameters — face width, height
    and chin taper, hairline and hair volume, eye spacing, height, size and
    aspect, iris size and colour, brow height, thickness and tilt, nose
    length and width, mouth height, width and lip thickness, skin, hair and
    lip colours. Each image then varies the pose (yaw, approximated by
    shifting parts by their depth and compressing widths; roll; scale;
    shift), the expression (smile, eye opening), the lighting (a left-right
    gradient and an ambient level), the background and pixel noise, all
    scaled by `difficulty`. Before pose and lighting, every face is exactly
    left-right symmetric (SymFace's assumption); with `difficulty=0` the
    images are unposed, evenly lit and noise-free, and the images of an
    identity differ only in their background colour. Rendering is
    vectorized NumPy (anti-aliased ellipses, float32); a thousand 112×112
    images take about 10 s of one CPU core.

    Landmarks are exact (computed from the same parameters and pose, not
    detected): `[N, 5, 2]` (x, y) in pixels, pixel `(i, j)`'s centre at
    `(x, y) = (j, i)`, in the order left eye, right eye, nose tip, left
    mouth corner, right mouth corner (left = image left).

    Formula (pose of a part centre at canonical (u, v) and depth z):

    ```
    u' = u cos(yaw) + z sin(yaw)
    (x, y) = scale · R(roll) (u', v) + shift        (canonical, [-1, 1]²)
    pixel = (x + 1) · size / 2 − 0.5
    ```

    Args:
        num_identities: number of identities.
        images_per_identity: images per identity.
        image_size: height = width in pixels. Defaults to `112`.
        difficulty: nuisance strength; `0` = unposed and noise-free, `1` =
            yaw ±0.35 rad, roll ±0.2 rad, scale ±10 %, shift ±4 % of the
            image, lighting ±35 %, noise σ up to 0.05. Defaults to `1.0`.
        seed: integer seed; the output is a deterministic function of all
            arguments but `chunk_size`. Defaults to `0`.
        chunk_size: images rendered at once (memory). Defaults to `256`.

    Returns:
        `(images, labels, landmarks)`: uint8 `[N, size, size, 3]`, int32
        `[N]` identity ids (identity-major order), float32 `[N, 5, 2]`,
        with `N = num_identities · images_per_identity`.

    Example:

    ```python
    from kzoo.applications import face

    x, y, lm = face.make_face_identities(100, 10, image_size=64, seed=0)
    ```
    """
    check_integer("num_identities", num_identities)
    check_integer("images_per_identity", images_per_identity)
    check_integer("image_size", image_size)
    check_integer("chunk_size", chunk_size)
    for name, value in (
        ("num_identities", num_identities),
        ("images_per_identity", images_per_identity),
        ("chunk_size", chunk_size),
    ):
        if value < 1:
            raise ValueError(
                f"`{name}` must be a positive integer. "
                f"Received: {name}={value!r}"
            )
    if image_size < 16:
        raise ValueError(
            "`image_size` must be at least 16. "
            f"Received: image_size={image_size!r}"
        )
    difficulty = check_non_negative("difficulty", difficulty)
    rng = np.random.default_rng(seed)
    ids = _identity_params(rng, num_identities)
    labels = np.repeat(np.arange(num_identities), images_per_identity)
    n = len(labels)
    nuisance = _nuisance(rng, n, difficulty)
    noise_rng = np.random.default_rng([seed, 1])
    images = np.empty((n, image_size, image_size, 3), dtype="uint8")
    landmarks = np.empty((n, 5, 2), dtype="float32")
    for start in range(0, n, chunk_size):
        sl = slice(start, min(n, start + chunk_size))
        p = {k: v[labels[sl]] for k, v in ids.items()}
        q = {k: v[sl] for k, v in nuisance.items()}
        img = _render(p, q, image_size)
        noise = (
            noise_rng.normal(size=img.shape) * q["noise"][:, None, None, None]
        )
        images[sl] = np.clip((img + noise) * 255.0 + 0.5, 0, 255).astype(
            "uint8"
        )
        pts = _part_centres(p, q)
        yaw = q["yaw"][:, None]
        u = pts[..., 0] * np.cos(yaw) + pts[..., 2] * np.sin(yaw)
        roll, k = q["roll"][:, None], q["scale"][:, None]
        v = pts[..., 1]
        x = k * (np.cos(roll) * u - np.sin(roll) * v) + q["shift"][:, :1]
        y = k * (np.sin(roll) * u + np.cos(roll) * v) + q["shift"][:, 1:]
        landmarks[sl, :, 0] = (x + 1.0) * image_size / 2.0 - 0.5
        landmarks[sl, :, 1] = (y + 1.0) * image_size / 2.0 - 0.5
    return images, labels.astype("int32"), landmarks

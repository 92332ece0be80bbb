"""Face data: folder-per-identity sets and LFW-style verification pairs."""

import os

import numpy as np

from kzoo.api_export import kzoo_export

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")


def _read_image(path, size):
    from PIL import Image

    with Image.open(path) as img:
        img = img.convert("RGB")
        if size is not None and img.size != (size, size):
            img = img.resize((size, size), Image.BILINEAR)
        return np.asarray(img, dtype="uint8")


@kzoo_export("kzoo.applications.face.load_identity_folder")
def load_identity_folder(root, image_size=112, max_per_identity=None):
    """Loads `root/<identity>/*.jpg|png` (the layout of CASIA-WebFace,
    VGGFace2 and MS1M image dumps) into memory.

    Args:
        root: the folder with one sub-folder per identity.
        image_size: resize every image to this square size (`None` keeps
            the size; then all images must share one). Defaults to `112`.
        max_per_identity: keep at most this many images per identity
            (sorted by file name). Defaults to all.

    Returns:
        `(images, labels, identities)`: uint8 `[N, S, S, 3]`, int32 `[N]`
        indices into `identities`, the sorted identity folder names.
    """
    if not os.path.isdir(root):
        raise FileNotFoundError(f"No such folder: {root!r}")
    identities = sorted(
        d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))
    )
    images, labels, kept = [], [], []
    for name in identities:
        folder = os.path.join(root, name)
        files = sorted(
            f
            for f in os.listdir(folder)
            if f.lower().endswith(IMAGE_EXTENSIONS)
        )
        if max_per_identity is not None:
            files = files[:max_per_identity]
        if not files:
            continue
        label = len(kept)
        kept.append(name)
        for f in files:
            images.append(_read_image(os.path.join(folder, f), image_size))
            labels.append(label)
    if not images:
        raise ValueError(
            f"`root` has no identity folders with images. Received: {root!r}"
        )
    return np.stack(images), np.asarray(labels, "int32"), kept


@kzoo_export("kzoo.applications.face.parse_pairs")
def parse_pairs(path, root=None, extension=".jpg"):
    """Parses an LFW-style `pairs.txt` with its 10-fold protocol.

    The file starts with `<folds> <pairs per fold>` (LFW: `10 300`); each
    fold then lists that many matched pairs `name i j` followed by that many
    mismatched pairs `name1 i name2 j`. Image `i` of `name` is
    `<root>/<name>/<name>_<iiii><extension>`.

    Args:
        path: the pairs file.
        root: the image folder, to build paths. Defaults to the pairs file's
            folder.
        extension: image file extension. Defaults to `".jpg"`.

    Returns:
        A dict with `left`, `right` (lists of paths), `same` (bool `[P]`)
        and `fold` (int `[P]`).
    """
    root = os.path.dirname(os.path.abspath(path)) if root is None else root
    with open(path) as f:
        lines = [ln.split() for ln in f if ln.strip()]
    header = lines[0]
    if len(header) != 2 or not all(t.isdigit() for t in header):
        raise ValueError(
            f"The first line of {path!r} must be '<folds> <pairs per fold>'. "
            f"Received: {' '.join(header)!r}"
        )
    folds, per_fold = int(header[0]), int(header[1])
    body = lines[1:]
    if len(body) != 2 * folds * per_fold:
        raise ValueError(
            f"{path!r} declares {folds} folds of {per_fold} matched and "
            f"{per_fold} mismatched pairs ({2 * folds * per_fold} lines) but "
            f"has {len(body)} pair lines."
        )

    def image(name, i):
        return os.path.join(root, name, f"{name}_{int(i):04d}{extension}")

    left, right, same, fold = [], [], [], []
    for k, fields in enumerate(body):
        if len(fields) == 3:
            left.append(image(fields[0], fields[1]))
            right.append(image(fields[0], fields[2]))
            same.append(True)
        elif len(fields) == 4:
            left.append(image(fields[0], fields[1]))
            right.append(image(fields[2], fields[3]))
            same.append(False)
        else:
            raise ValueError(
                f"Line {k + 2} of {path!r} must have 3 or 4 fields. "
                f"Received: {' '.join(fields)!r}"
            )
        fold.append(k // (2 * per_fold))
    return {
        "left": left,
        "right": right,
        "same": np.asarray(same),
        "fold": np.asarray(fold, "int32"),
    }


@kzoo_export("kzoo.applications.face.make_pairs")
def make_pairs(labels, folds=10, pairs_per_fold=300, seed=0):
    """Draws an LFW-style verification protocol over labeled images.

    Identities are split into `folds` disjoint groups (so a fold's
    identities never appear in another fold, as in LFW's view 2); each fold
    gets `pairs_per_fold` matched pairs (two different images of one
    identity) and `pairs_per_fold` mismatched pairs (images of two
    identities of the fold).

    Returns:
        `{"left", "right", "same", "fold"}`: int index arrays into `labels`,
        a bool array and the fold of each pair.
    """
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    classes = np.unique(labels)
    rng.shuffle(classes)
    groups = np.array_split(classes, folds)
    members = {c: np.flatnonzero(labels == c) for c in classes}
    out = {"left": [], "right": [], "same": [], "fold": []}
    for f, group in enumerate(groups):
        multi = [c for c in group if len(members[c]) >= 2]
        if not multi or len(group) < 2:
            raise ValueError(
                "`labels` has too few identities with two or more images "
                f"for {folds} folds. Received: {len(classes)} identities"
            )
        for same in (True, False):
            for _ in range(pairs_per_fold):
                if same:
                    c = multi[rng.integers(len(multi))]
                    a, b = rng.choice(members[c], 2, replace=False)
                else:
                    c1, c2 = rng.choice(group, 2, replace=False)
                    a = rng.choice(members[c1])
                    b = rng.choice(members[c2])
                out["left"].append(int(a))
                out["right"].append(int(b))
                out["same"].append(same)
                out["fold"].append(f)
    return {
        "left": np.asarray(out["left"], "int64"),
        "right": np.asarray(out["right"], "int64"),
        "same": np.asarray(out["same"], bool),
        "fold": np.asarray(out["fold"], "int32"),
    }


@kzoo_export("kzoo.applications.face.write_pairs")
def write_pairs(path, labels, folds=10, pairs_per_fold=300, seed=0):
    """Writes `make_pairs(labels, ...)` as an LFW-style pairs file for a
    folder written by `save_identity_folder` (identity `id<label>`, image
    `id<label>_<iiii>`, numbered from 1 in the order of `labels`).

    Returns:
        The index protocol (see `make_pairs`).
    """
    labels = np.asarray(labels)
    pairs = make_pairs(labels, folds, pairs_per_fold, seed)
    position = {}
    counts = {}
    for i, label in enumerate(labels):
        counts[label] = counts.get(label, 0) + 1
        position[i] = counts[label]
    lines = [f"{folds}\t{pairs_per_fold}"]
    for a, b, same in zip(pairs["left"], pairs["right"], pairs["same"]):
        la, lb = int(labels[a]), int(labels[b])
        if same:
            lines.append(f"id{la}\t{position[a]}\t{position[b]}")
        else:
            lines.append(f"id{la}\t{position[a]}\tid{lb}\t{position[b]}")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return pairs


@kzoo_export("kzoo.applications.face.save_identity_folder")
def save_identity_folder(root, images, labels):
    """Writes images as `root/id<label>/id<label>_<iiii>.png` (1-based),
    the layout `load_identity_folder` and `parse_pairs` read."""
    from PIL import Image

    labels = np.asarray(labels)
    counts = {}
    for img, label in zip(np.asarray(images), labels):
        name = f"id{int(label)}"
        counts[name] = counts.get(name, 0) + 1
        folder = os.path.join(root, name)
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(np.asarray(img, "uint8")).save(
            os.path.join(folder, f"{name}_{counts[name]:04d}.png")
        )
    return root

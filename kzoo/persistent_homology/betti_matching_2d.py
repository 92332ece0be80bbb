"""Host-side cubical persistence and Betti matching of 2D images (NumPy).

Everything here runs on the host, in float64 NumPy and plain Python, and is
called by the Betti matching loss and metrics through one backend-dispatched
callback (`kzoo.backend.host_callback`). No Keras code is involved.

Conventions (those of the authors' Betti-Matching-3D, which `topolosses` wraps):

- **V-construction, sublevel filtration of `f`.** Pixels are the vertices, the
  edges join 4-neighbours and the squares are 2x2 blocks; a cell enters at the
  largest value of its pixels. Superlevel filtrations of a probability map `p`
  are sublevel filtrations of `f = 1 - p`. Foreground is 4-connected and
  background 8-connected. (gudhi's `CubicalComplex(top_dimensional_cells=...)`
  is the T-construction, which differs; `CubicalComplex(vertices=...)` is this
  one.)
- **Total order.** Cells are ordered by value, ties by index: pixels by
  row-major index, edges by `(row, column, direction)`, squares by row-major
  index. Among components, the one born earlier in this order survives a
  merge (elder rule).
- **Dimension 0** by union-find over the edges; **dimension 1** by duality: a
  union-find over the dual graph (squares plus one outer vertex) with the
  edges taken in reverse order.
- **Zero-length bars are dropped; the essential class (the whole image in
  dimension 0) is not part of the barcode.**
- **Induced matching.** The comparison image is `fc = min(fp, fg)` (the union
  of the foregrounds). A bar of `fp` and a bar of `fg` are matched when the
  maps induced by the inclusions `fp -> fc` and `fg -> fc` send both to the
  same bar of `fc`. The image-persistence pairing is the union-find run in
  the order of `fc` with the ages of `fp` (dimension 0) and, dually, in the
  reverse order of `fp` with the ages of `fc` (dimension 1), as in Stucki et
  al. (2024), *Efficient Betti matching*.

Critical cells are reported by the pixel that gives them their value (the
pixel whose value the loss reads, and through which its gradient flows).

Dependencies: NumPy only. gudhi (barcodes, `CubicalComplex(vertices=...)`)
and topolosses (the compiled Betti-Matching-3D) serve as test references;
neither gives image-persistence pairs through a stable Python API, and the
union-find here takes about 10 ms for a 32 x 32 pair. Only 2D: in 3D,
dimension 1 needs a matrix reduction that is not implemented.
"""

import numpy as np

from kzoo.api_export import kzoo_export


def _edges(f):
    """Edges of the V-construction: endpoints, values, sorted order."""
    h, w = f.shape
    ids = np.arange(h * w).reshape(h, w)
    # Enumerate in (row, column, direction) order: direction 0 joins
    # (x, y)-(x + 1, y), direction 1 joins (x, y)-(x, y + 1).
    u = np.stack([ids, ids], axis=-1)
    v = np.stack(
        [
            np.concatenate([ids[1:], np.full((1, w), -1)], axis=0),
            np.concatenate([ids[:, 1:], np.full((h, 1), -1)], axis=1),
        ],
        axis=-1,
    )
    direction = np.broadcast_to(np.arange(2), (h, w, 2))
    u, v, direction = u.ravel(), v.ravel(), direction.ravel()
    keep = v >= 0
    return u[keep], v[keep], direction[keep]


def _critical_pixel_of_edge(flat, u, v):
    # The second pixel when it carries the edge's value (ties included).
    return np.where(flat[v] >= flat[u], v, u)


def _square_pixels(h, w):
    ids = np.arange(h * w).reshape(h, w)
    # Preference order on ties: (x+1, y+1), (x+1, y), (x, y+1), (x, y).
    return np.stack(
        [
            ids[1:, 1:].ravel(),
            ids[1:, :-1].ravel(),
            ids[:-1, 1:].ravel(),
            ids[:-1, :-1].ravel(),
        ],
        axis=1,
    )


class _Complex:
    """The V-construction of one image, with everything the passes need."""

    def __init__(self, f, u, v, direction, sq_pix):
        h, w = f.shape
        flat = f.ravel()
        self.flat = flat
        self.n_pix = h * w
        # Pixels: rank in (value, index) order; a larger rank is younger.
        order = np.argsort(flat, kind="stable")
        rank = np.empty(self.n_pix, np.int64)
        rank[order] = np.arange(self.n_pix)
        self.pix_rank = rank.tolist()
        # Edges, sorted by (value, enumeration index).
        ev = np.maximum(flat[u], flat[v])
        self.edge_value = ev
        self.edge_order = np.argsort(ev, kind="stable").tolist()
        self.edge_pixel = _critical_pixel_of_edge(flat, u, v)
        # Squares: value, critical pixel, rank (larger rank is older here,
        # the outer vertex, last, is the oldest).
        sv = flat[sq_pix]
        self.sq_value = np.concatenate([sv.max(axis=1), [np.inf]])
        first = np.argmax(sv == sv.max(axis=1, keepdims=True), axis=1)
        self.sq_pixel = sq_pix[np.arange(len(sq_pix)), first]
        order = np.argsort(self.sq_value, kind="stable")
        srank = np.empty(len(self.sq_value), np.int64)
        srank[order] = np.arange(len(self.sq_value))
        self.sq_rank = srank.tolist()


def _find(parent, x):
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        parent[x], x = root, parent[x]
    return root


@kzoo_export("kzoo.persistent_homology.BettiMatching2D")
class BettiMatching2D:
    """Barcodes and Betti matching of two 2D images (sublevel, V-construction).

    Args:
        fp: the first image (the prediction), `[H, W]` float64, sublevel.
        fg: the second image (the target), same shape.

    After construction, `self.result[dim]` holds, for `dim` in (0, 1), a dict
    of int64 arrays of flat pixel indices: `matched` `[M, 4]` (birth and
    death pixel in `fp`, birth and death pixel in `fg`), `unmatched_p`
    `[U, 2]` and `unmatched_g` `[V, 2]` (birth and death pixel).
    """

    def __init__(self, fp, fg, dims=(0, 1)):
        fp = np.asarray(fp, np.float64)
        fg = np.asarray(fg, np.float64)
        if fp.shape != fg.shape or fp.ndim != 2:
            raise ValueError(
                "Betti matching needs two 2D images of one shape. "
                f"Received: shapes {fp.shape} and {fg.shape}"
            )
        fc = np.minimum(fp, fg)
        h, w = fp.shape
        self.shape = (h, w)
        u, v, direction = _edges(fp)
        self.u, self.v = u.tolist(), v.tolist()
        # Dual endpoints of each edge: squares on either side (outer = m).
        m = (h - 1) * (w - 1)
        x, y = u // w, u % w
        # direction 0: squares (x, y-1) and (x, y); direction 1: (x-1, y)
        # and (x, y); indices of squares are x * (w - 1) + y.
        a0 = np.where(y == 0, m, x * (w - 1) + y - 1)
        b0 = np.where(y == w - 1, m, x * (w - 1) + y)
        a1 = np.where(x == 0, m, (x - 1) * (w - 1) + y)
        b1 = np.where(x == h - 1, m, x * (w - 1) + y)
        self.du = np.where(direction == 0, a0, a1).tolist()
        self.dv = np.where(direction == 0, b0, b1).tolist()
        self.n_sq = m + 1
        sq_pix = _square_pixels(h, w)
        self.cp = _Complex(fp, u, v, direction, sq_pix)
        self.cg = _Complex(fg, u, v, direction, sq_pix)
        self.cc = _Complex(fc, u, v, direction, sq_pix)
        self.result = {}
        if 0 in dims:
            self.result[0] = self._dim0()
        if 1 in dims:
            self.result[1] = self._dim1()

    # -- dimension 0 ---------------------------------------------------------
    def _pairs0(self, cx):
        """Finite bars of dimension 0: {birth pixel: (birth px, death px)}."""
        parent = list(range(cx.n_pix))
        rank, uu, vv = cx.pix_rank, self.u, self.v
        flat, ev = cx.flat, cx.edge_value
        pairs = {}
        for e in cx.edge_order:
            a = _find(parent, uu[e])
            b = _find(parent, vv[e])
            if a == b:
                continue
            young, old = (a, b) if rank[a] > rank[b] else (b, a)
            parent[young] = old
            if flat[young] != ev[e]:
                pairs[young] = (young, int(cx.edge_pixel[e]))
        return pairs

    def _dim0(self):
        cp, cg, cc = self.cp, self.cg, self.cc
        pairs_p, pairs_g = self._pairs0(cp), self._pairs0(cg)
        n = cc.n_pix
        par_c, par_p, par_g = list(range(n)), list(range(n)), list(range(n))
        rc, rp, rg = cc.pix_rank, cp.pix_rank, cg.pix_rank
        uu, vv, flat, ev = self.u, self.v, cc.flat, cc.edge_value
        matched = []
        hit_p, hit_g = set(), set()
        for e in cc.edge_order:
            a = _find(par_c, uu[e])
            b = _find(par_c, vv[e])
            if a == b:
                continue
            young, old = (a, b) if rc[a] > rc[b] else (b, a)
            par_c[young] = old
            a, b = _find(par_p, uu[e]), _find(par_p, vv[e])
            young_p, old = (a, b) if rp[a] > rp[b] else (b, a)
            par_p[young_p] = old
            a, b = _find(par_g, uu[e]), _find(par_g, vv[e])
            young_g, old = (a, b) if rg[a] > rg[b] else (b, a)
            par_g[young_g] = old
            if flat[young] != ev[e]:
                if young_p in pairs_p and young_g in pairs_g:
                    matched.append(pairs_p[young_p] + pairs_g[young_g])
                    hit_p.add(young_p)
                    hit_g.add(young_g)
        return _package(matched, pairs_p, hit_p, pairs_g, hit_g)

    # -- dimension 1 (duality) ----------------------------------------------
    def _pairs1(self, cx):
        """Finite bars of dimension 1 keyed by the comparison image's square.

        Runs the dual union-find of `cx` in reverse edge order and, in the
        same pass, the one with the comparison image's ages (the image
        pairing of `cx -> comparison`).
        """
        n = self.n_sq
        parent, par_c = list(range(n)), list(range(n))
        rank, rc = cx.sq_rank, self.cc.sq_rank
        du, dv = self.du, self.dv
        sv, ev = cx.sq_value, cx.edge_value
        pairs = {}
        for e in reversed(cx.edge_order):
            a = _find(parent, du[e])
            b = _find(parent, dv[e])
            if a == b:
                continue
            young, old = (a, b) if rank[a] < rank[b] else (b, a)
            parent[young] = old
            a, b = _find(par_c, du[e]), _find(par_c, dv[e])
            young_c, old = (a, b) if rc[a] < rc[b] else (b, a)
            par_c[young_c] = old
            if sv[young] != ev[e]:
                pairs[young_c] = (
                    int(cx.edge_pixel[e]),
                    int(cx.sq_pixel[young]),
                )
        return pairs

    def _dim1(self):
        cc = self.cc
        pairs_p, pairs_g = self._pairs1(self.cp), self._pairs1(self.cg)
        n = self.n_sq
        parent = list(range(n))
        rank, du, dv = cc.sq_rank, self.du, self.dv
        sv, ev = cc.sq_value, cc.edge_value
        matched = []
        hit_p, hit_g = set(), set()
        for e in reversed(cc.edge_order):
            a = _find(parent, du[e])
            b = _find(parent, dv[e])
            if a == b:
                continue
            young, old = (a, b) if rank[a] < rank[b] else (b, a)
            parent[young] = old
            if sv[young] != ev[e]:
                if young in pairs_p and young in pairs_g:
                    matched.append(pairs_p[young] + pairs_g[young])
                    hit_p.add(young)
                    hit_g.add(young)
        return _package(matched, pairs_p, hit_p, pairs_g, hit_g)


def _package(matched, pairs_p, hit_p, pairs_g, hit_g):
    def arr(rows, width):
        return np.asarray(rows, np.int64).reshape(-1, width)

    unmatched_p = [v for k, v in pairs_p.items() if k not in hit_p]
    unmatched_g = [v for k, v in pairs_g.items() if k not in hit_g]
    return {
        "matched": arr(matched, 4),
        "unmatched_p": arr(unmatched_p, 2),
        "unmatched_g": arr(unmatched_g, 2),
    }


@kzoo_export("kzoo.persistent_homology.barcode_2d")
def barcode_2d(f, dims=(0, 1)):
    """Finite barcode of one image (sublevel, V-construction).

    Returns `{dim: [N, 2] float64 array of (birth, death) values}`.
    """
    bm = BettiMatching2D(f, f, dims=dims)
    flat = np.asarray(f, np.float64).ravel()
    out = {}
    for d, r in bm.result.items():
        rows = np.concatenate([r["matched"][:, :2], r["unmatched_p"]], axis=0)
        out[d] = flat[rows].reshape(-1, 2)
    return out


def max_bars(height, width, pad_border=False):
    """An upper bound on the finite bars of one image (dimensions 0 and 1)."""
    if pad_border:
        height, width = height + 2, width + 2
    return height * width + (height - 1) * (width - 1)


def batch_betti_matching(
    pred, target, dims=(0, 1), filtration="superlevel", pad_border=False
):
    """Betti matching of a batch, packed into fixed-size arrays.

    Args:
        pred: `[B, H, W]` foreground probabilities (or any real map).
        target: `[B, H, W]` ground truth, same scale.
        dims: homology dimensions, a subset of `(0, 1)`.
        filtration: `"superlevel"` (foreground is high: the sublevel
            filtration of `1 - x`) or `"sublevel"`.
        pad_border: surround both images with a one-pixel frame of value 0
            first (the "sphere" option of topolosses).

    Returns:
        `(pred_index [B, K, 2] int32, target_value [B, K, 2] float32,
        kind [B, K] int32, target_term [B] float32, counts [B, 2, 3] int32)`.
        Row `k` of a sample is one bar of `pred`: the flat pixel indices of
        its birth and death in the (unpadded) image, `-1` for a frame pixel
        (value 0); `kind` is 1 for a matched bar (with its partner's birth and
        death values in `target_value`), 2 for an unmatched one and 0 for
        padding. `target_term` is `Σ (birth - death)²` over the unmatched
        bars of `target`. `counts[b, d]` = (matched, unmatched in pred,
        unmatched in target) in dimension `d`. `K = max_bars(H, W,
        pad_border)`.
    """
    pred = np.asarray(pred, np.float32)
    target = np.asarray(target, np.float32)
    b, h, w = pred.shape
    k = max_bars(h, w, pad_border)
    pred_index = np.full((b, k, 2), -1, np.int32)
    target_value = np.zeros((b, k, 2), np.float32)
    kind = np.zeros((b, k), np.int32)
    target_term = np.zeros((b,), np.float32)
    counts = np.zeros((b, 2, 3), np.int32)
    if pad_border:
        pred = np.pad(pred, ((0, 0), (1, 1), (1, 1)))
        target = np.pad(target, ((0, 0), (1, 1), (1, 1)))
        hh, ww = h + 2, w + 2
        r, c = np.divmod(np.arange(hh * ww), ww)
        inside = (r >= 1) & (r <= h) & (c >= 1) & (c <= w)
        to_orig = np.where(inside, (r - 1) * w + (c - 1), -1)
    else:
        to_orig = np.arange(h * w)
    for i in range(b):
        p, g = pred[i], target[i]
        if filtration == "superlevel":
            fp = (np.float32(1) - p).astype(np.float64)
            fg = (np.float32(1) - g).astype(np.float64)
        else:
            fp, fg = p.astype(np.float64), g.astype(np.float64)
        res = BettiMatching2D(fp, fg, dims=dims).result
        gflat = g.ravel().astype(np.float64)
        rows_m, rows_u, tvals = [], [], []
        for d, r in res.items():
            m, up, ug = r["matched"], r["unmatched_p"], r["unmatched_g"]
            counts[i, d] = (len(m), len(up), len(ug))
            rows_m.append(m[:, :2])
            tvals.append(gflat[m[:, 2:]])
            rows_u.append(up)
            gb, gd = gflat[ug[:, 0]], gflat[ug[:, 1]]
            target_term[i] += np.sum((gb - gd) ** 2)
        rows_m = np.concatenate(rows_m) if rows_m else np.zeros((0, 2), int)
        rows_u = np.concatenate(rows_u) if rows_u else np.zeros((0, 2), int)
        nm, nu = len(rows_m), len(rows_u)
        pred_index[i, :nm] = to_orig[rows_m]
        pred_index[i, nm : nm + nu] = to_orig[rows_u]
        if nm:
            target_value[i, :nm] = np.concatenate(tvals)
        kind[i, :nm] = 1
        kind[i, nm : nm + nu] = 2
    return pred_index, target_value, kind, target_term, counts

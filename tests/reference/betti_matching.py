"""Float64 reference for Betti matching by explicit boundary-matrix reduction.

Written from the definitions, independently of `kzoo.topology.cubical` (which
uses union-find and duality): the whole V-construction cubical complex of a
small 2D image (pixels, 4-neighbour edges, 2x2 squares; a cell's value is the
largest of its pixels), filtrations ordered by (value, dimension, index),
and Z/2 column reduction with the lowest-one rule.

- Barcode of an image: reduce its boundary matrix in its own order; a pivot
  (row i, column j) is a bar born at cell i, dying at cell j.
- Image persistence of `f -> fc` (same complex, `fc <= f`): reduce the
  boundary matrix with columns in the order of `fc` and rows in the order of
  `f` (Cohen-Steiner, Edelsbrunner, Harer & Morozov, 2009); a pivot (i, j)
  is an image pair born at cell i of `f`, dying at cell j of `fc`.
- Induced matching: a bar of `f` born at i and a bar of `fc` dying at j
  correspond when (i, j) is an image pair; bars of `fp` and `fg` are matched
  when they correspond to the same bar of `fc = min(fp, fg)`.

Zero-length bars are dropped and the essential class is not a bar, as in
the authors' Betti-Matching-3D. Index ties: pixels row-major, edges by
(row, column, direction), squares row-major. Meant for images up to ~12 x 12.
"""

import numpy as np


def _complex(h, w):
    """Cells as (dimension, index, pixels, boundary cell ids)."""
    cells = []
    pix = {}
    for x in range(h):
        for y in range(w):
            pix[(x, y)] = len(cells)
            cells.append((0, x * w + y, ((x, y),), ()))
    edge = {}
    k = 0
    for x in range(h):
        for y in range(w):
            for d, (dx, dy) in enumerate(((1, 0), (0, 1))):
                if x + dx < h and y + dy < w:
                    a, b = (x, y), (x + dx, y + dy)
                    edge[(a, b)] = len(cells)
                    cells.append((1, k, (a, b), (pix[a], pix[b])))
                k += 1
    for x in range(h - 1):
        for y in range(w - 1):
            a, b, c, d = (x, y), (x + 1, y), (x, y + 1), (x + 1, y + 1)
            bd = (edge[(a, b)], edge[(a, c)], edge[(b, d)], edge[(c, d)])
            cells.append((2, x * (w - 1) + y, (a, b, c, d), bd))
    return cells


def _values(cells, f):
    return np.array([max(f[p] for p in c[2]) for c in cells])


def _order(cells, values):
    """Position of each cell in the filtration (value, dimension, index)."""
    keys = sorted(
        range(len(cells)),
        key=lambda i: (values[i], cells[i][0], cells[i][1]),
    )
    pos = np.empty(len(cells), int)
    pos[keys] = np.arange(len(cells))
    return keys, pos


def _reduce(cells, col_keys, row_pos):
    """Lowest-one reduction; returns {column cell: pivot row cell}."""
    pivots, by_low = {}, {}
    for j in col_keys:
        col = set(cells[j][3])
        while col:
            low = max(col, key=lambda i: row_pos[i])
            if low not in by_low:
                break
            col ^= by_low[low]
        if col:
            by_low[low] = col
            pivots[j] = low
    return pivots


def _bars(cells, vals, pivots):
    """{dim: {birth cell: death cell}} of the non-zero-length bars."""
    out = {0: {}, 1: {}}
    for j, i in pivots.items():
        if vals[i] != vals[j]:
            out[cells[i][0]][i] = j
    return out


def betti_matching(fp, fg):
    """Betti matching of two sublevel images.

    Returns `{dim: (matched, unmatched_p, unmatched_g)}` with `matched` a
    list of `((birth_p, death_p), (birth_g, death_g))` values and the
    unmatched ones lists of `(birth, death)` values.
    """
    fp = np.asarray(fp, np.float64)
    fg = np.asarray(fg, np.float64)
    fc = np.minimum(fp, fg)
    cells = _complex(*fp.shape)
    vp, vg, vc = (_values(cells, f) for f in (fp, fg, fc))
    kp, pp = _order(cells, vp)
    kg, pg = _order(cells, vg)
    kc, pc = _order(cells, vc)
    bars_p = _bars(cells, vp, _reduce(cells, kp, pp))
    bars_g = _bars(cells, vg, _reduce(cells, kg, pg))
    bars_c = _bars(cells, vc, _reduce(cells, kc, pc))
    image_p = _reduce(cells, kc, pp)  # death cell in fc -> birth cell in fp
    image_g = _reduce(cells, kc, pg)
    out = {}
    for d in (0, 1):
        matched, hit_p, hit_g = [], set(), set()
        for death_c in bars_c[d].values():
            bp, bg = image_p.get(death_c), image_g.get(death_c)
            if bp in bars_p[d] and bg in bars_g[d]:
                hit_p.add(bp)
                hit_g.add(bg)
                matched.append(
                    (
                        (vp[bp], vp[bars_p[d][bp]]),
                        (vg[bg], vg[bars_g[d][bg]]),
                    )
                )
        un_p = [(vp[b], vp[e]) for b, e in bars_p[d].items() if b not in hit_p]
        un_g = [(vg[b], vg[e]) for b, e in bars_g[d].items() if b not in hit_g]
        out[d] = (matched, un_p, un_g)
    return out


def betti_matching_loss(p, g, dims=(0, 1)):
    """Float64 Betti matching loss of one probability map `p` and mask `g`
    (superlevel filtration: the sublevel filtration of `1 - x`)."""
    res = betti_matching(1.0 - np.asarray(p), 1.0 - np.asarray(g))
    total = 0.0
    for d in dims:
        matched, un_p, un_g = res[d]
        for (bp, dp), (bg, dg) in matched:
            total += 2 * ((bp - bg) ** 2 + (dp - dg) ** 2)
        total += sum((b - e) ** 2 for b, e in un_p)
        total += sum((b - e) ** 2 for b, e in un_g)
    return total


def counts(p, g, dims=(0, 1)):
    """(matched, unmatched in p, unmatched in g) per dimension."""
    res = betti_matching(1.0 - np.asarray(p), 1.0 - np.asarray(g))
    return {d: tuple(len(x) for x in res[d]) for d in dims}

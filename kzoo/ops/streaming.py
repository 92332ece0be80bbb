"""Streamed (chunked) row reductions over a query x key matrix.

`tiled_row_reduce` evaluates `Σ_tiles tile_fn(tile)` (or the log-sum-exp of
the tiles' values) where each tile holds all queries against `chunk_size`
keys, without ever materialising the `[B, M]` matrix. Its gradient is
custom: the backward pass walks the tiles again, recomputes each tile and
differentiates it on its own (`kzoo.backend.autodiff.vjp`), so memory stays
O(B · chunk_size) in both passes. The loop is `keras.ops.fori_loop` (a
`lax.fori_loop` / `tf.while_loop`; a Python loop over the tiles on torch).
"""

import keras
from keras import ops

from kzoo.api_export import kzoo_export
from kzoo.backend.autodiff import custom_vjp
from kzoo.backend.autodiff import vjp
from kzoo.ops.masks import BIG


def _pad_rows(x, pad, value):
    widths = [(0, pad)] + [(0, 0)] * (len(x.shape) - 1)
    return ops.pad(x, widths, constant_values=value)


@kzoo_export("kzoo.ops.tiled_row_reduce")
def tiled_row_reduce(
    tile_fn,
    queries,
    keys,
    row_args=(),
    row_data=(),
    key_data=(),
    chunk_size=1024,
    combine="sum",
):
    """Reduce `tile_fn` over key tiles, with a recomputing backward pass.

    Formula (tiles `T_1 … T_n` of `chunk_size` keys each):

    ```
    combine="sum":        out = Σ_t f(q, k[T_t], …)
    combine="logsumexp":  out = log Σ_t exp f(q, k[T_t], …)
    ```

    `tile_fn(queries, key_tile, row_args, row_data, key_data_tile,
    key_index)` returns a `[B, r]` tensor for one tile, where `key_index`
    (`[chunk_size]` int32) holds the global positions of the tile's keys; a
    position `>= M` is padding, which `tile_fn` must leave out (`key_data`
    rows are padded with 0). It must be built from `keras.ops` and be
    differentiable in `queries`, `key_tile` and `row_args`.

    Args:
        tile_fn: the per-tile function (see above).
        queries: float tensor `[B, D]` (differentiable).
        keys: float tensor `[M, D]` (differentiable; may be `queries`).
        row_args: tuple of float tensors with leading dimension `B`
            (differentiable), handed to every tile. Defaults to `()`.
        row_data: tuple of tensors with leading dimension `B`, not
            differentiated (labels, indices). Defaults to `()`.
        key_data: tuple of tensors with leading dimension `M`, not
            differentiated, tiled like `keys`. Defaults to `()`.
        chunk_size: keys per tile. Defaults to `1024`.
        combine: `"sum"` or `"logsumexp"` across tiles. Defaults to
            `"sum"`.

    Returns:
        Tensor `[B, r]`.
    """
    if combine not in ("sum", "logsumexp"):
        raise ValueError(
            "`combine` must be one of ('sum', 'logsumexp'). "
            f"Received: combine={combine!r}"
        )
    chunk = int(chunk_size)
    n_rows = ops.shape(keys)[0]
    dim = ops.shape(keys)[1]
    static_rows = keys.shape[0]
    if static_rows is not None:
        n_tiles = -(-static_rows // chunk)
        pad = n_tiles * chunk - static_rows
    else:  # TF replica-gathered keys: dynamic row count
        n_tiles = (n_rows + chunk - 1) // chunk
        pad = n_tiles * chunk - n_rows
    n_row_args = len(row_args)
    n_row_data = len(row_data)

    def tile_inputs(padded, key_data_p, t):
        start = t * chunk
        k_t = ops.slice(padded, (start, 0), (chunk, dim))
        kd_t = tuple(
            ops.slice(
                d,
                (start,) + (0,) * (len(d.shape) - 1),
                (chunk,) + tuple(d.shape[1:]),
            )
            for d in key_data_p
        )
        index = ops.cast(start, "int32") + ops.arange(chunk, dtype="int32")
        return start, k_t, kd_t, index

    def unpack(args):
        q, k = args[0], args[1]
        ra = tuple(args[2 : 2 + n_row_args])
        rd = tuple(args[2 + n_row_args : 2 + n_row_args + n_row_data])
        kd = tuple(args[2 + n_row_args + n_row_data :])
        return q, k, ra, rd, kd

    def forward(*args):
        q, k, ra, rd, kd = unpack(args)
        k_p = _pad_rows(k, pad, 0)
        kd_p = tuple(_pad_rows(d, pad, 0) for d in kd)

        def tile(t):
            _, k_t, kd_t, index = tile_inputs(k_p, kd_p, t)
            return tile_fn(q, k_t, ra, rd, kd_t, index)

        def body(t, acc):
            out = tile(t)
            if combine == "sum":
                return acc + out
            return ops.logaddexp(acc, out)

        total = ops.fori_loop(1, n_tiles, body, tile(0))
        return total, (q, k, *ra, *rd, *kd, total)

    def backward(res, upstream):
        total = res[-1]
        q, k, ra, rd, kd = unpack(res[:-1])
        k_p = _pad_rows(k, pad, 0)
        kd_p = tuple(_pad_rows(d, pad, 0) for d in kd)

        def body(t, carry):
            dq, dk, dra = carry
            start, k_t, kd_t, index = tile_inputs(k_p, kd_p, t)

            def f(q_, k_, *ra_):
                return tile_fn(q_, k_, tuple(ra_), rd, kd_t, index)

            out, pull = vjp(f, q, k_t, *ra)
            ct = upstream
            if combine == "logsumexp":
                ct = upstream * ops.exp(ops.minimum(out - total, 0.0))
            grads = pull(ct)
            dk = ops.slice_update(dk, (start, 0), grads[1])
            dra = tuple(a + b for a, b in zip(dra, grads[2:]))
            return dq + grads[0], dk, dra

        init = (
            ops.zeros_like(q),
            ops.zeros_like(k_p),
            tuple(ops.zeros_like(a) for a in ra),
        )
        dq, dk, dra = ops.fori_loop(0, n_tiles, body, init)
        dk = dk[:n_rows] if static_rows is None else dk[:static_rows]
        return (dq, dk, *dra) + (None,) * (len(rd) + len(kd))

    fn = custom_vjp(forward, backward)
    return fn(queries, keys, *row_args, *row_data, *key_data)


def masked_tile_logsumexp(logits, mask):
    """Row log-sum-exp of `logits` over `mask`; `-1e30` for an empty row.

    The per-tile building block of a streamed log-sum-exp
    (`tiled_row_reduce(..., combine="logsumexp")`): an empty tile adds
    nothing, and the result keeps finite gradients.

    Args:
        logits: float tensor `[B, C]`.
        mask: boolean tensor `[B, C]`.

    Returns:
        Tensor `[B, 1]`.
    """
    m = ops.max(ops.where(mask, logits, -BIG), axis=1, keepdims=True)
    m = ops.stop_gradient(m)
    total = ops.sum(
        ops.exp(ops.where(mask, logits - m, -BIG)), axis=1, keepdims=True
    )
    nonempty = ops.greater(total, 0.0)
    return ops.where(
        nonempty, ops.log(ops.where(nonempty, total, 1.0)) + m, -BIG
    )


def is_empty_logsumexp(lse):
    """True where a streamed log-sum-exp saw no entry at all."""
    return ops.less(lse, -BIG / 2)


def streamed_in_batch_sums(
    queries,
    keys,
    labels,
    ref_labels,
    query_offset,
    logits_fn,
    pair_term_fn,
    denominator="negatives",
    chunk_size=1024,
):
    """Per-anchor sums of an in-batch-negative softmax loss, streamed.

    The kernel of `kzoo.losses.InBatchNegativeLoss`'s `chunk_size` path. For
    anchor i with label y_i (global position `query_offset + i`) against
    keys with labels `ref_labels`:

    ```
    L_ik   = logits_fn(queries, key tile)          [B, chunk]
    lse_i  = log Σ_{k ∈ D_i} exp L_ik   D_i = {k: y_k ≠ y_i}  ("negatives")
                                          or {k: k ≠ i}        ("others")
    sum_i  = Σ_{p: y_p = y_i, p ≠ i} pair_term_fn(L_ip, lse_i)
    count_i = |{p: y_p = y_i, p ≠ i}|
    ```

    computed in two streamed passes (`tiled_row_reduce`), so memory stays
    O(B · chunk_size); an anchor with an empty `D_i` contributes 0.

    Args:
        queries: float `[B, D]` (already normalized if the distance needs
            it).
        keys: float `[M, D]` (may be `queries`).
        labels: `[B]` anchor labels.
        ref_labels: `[M]` key labels.
        query_offset: position of the first anchor among the keys (0, or
            `replica_id · B` after a cross-replica gather).
        logits_fn: `(queries, key_tile) -> [B, chunk]` logits.
        pair_term_fn: `(logits, lse) -> [B, chunk]` loss of each pair.
        denominator: `"negatives"` or `"others"`. Defaults to
            `"negatives"`.
        chunk_size: keys per tile. Defaults to `1024`.

    Returns:
        Tensor `[B, 2]`: the per-anchor sum of pair terms over positives,
        and the number of positives (not differentiated).
    """
    n_keys = keys.shape[0]
    if n_keys is None:
        n_keys = ops.shape(keys)[0]
    n_queries = ops.shape(queries)[0]
    query_index = ops.arange(n_queries, dtype="int32") + ops.cast(
        query_offset, "int32"
    )
    others = denominator == "others"

    def masks(row_data, key_data, index):
        q_labels, q_index = row_data
        (k_labels,) = key_data
        valid = ops.less(index, n_keys)[None, :]
        same = ops.equal(q_labels[:, None], k_labels[None, :])
        not_self = ops.not_equal(q_index[:, None], index[None, :])
        pos = ops.logical_and(ops.logical_and(same, not_self), valid)
        if others:
            den = ops.logical_and(not_self, valid)
        else:
            den = ops.logical_and(ops.logical_not(same), valid)
        return pos, den

    def lse_tile(q, k, row_args, row_data, key_data, index):
        _, den = masks(row_data, key_data, index)
        return masked_tile_logsumexp(logits_fn(q, k), den)

    def pair_tile(q, k, row_args, row_data, key_data, index):
        (lse,) = row_args
        logits = logits_fn(q, k)
        pos, _ = masks(row_data, key_data, index)
        keep = ops.logical_and(pos, ops.logical_not(is_empty_logsumexp(lse)))
        pair = ops.where(keep, pair_term_fn(logits, lse), 0.0)
        count = ops.stop_gradient(ops.sum(ops.cast(pos, pair.dtype), 1))
        return ops.stack([ops.sum(pair, axis=1), count], axis=1)

    row_data = (labels, query_index)
    key_data = (ref_labels,)
    lse = tiled_row_reduce(
        lse_tile,
        queries,
        keys,
        row_data=row_data,
        key_data=key_data,
        chunk_size=chunk_size,
        combine="logsumexp",
    )
    return tiled_row_reduce(
        pair_tile,
        queries,
        keys,
        row_args=(lse,),
        row_data=row_data,
        key_data=key_data,
        chunk_size=chunk_size,
    )


del keras

"""Exact retrieval metrics over a whole gallery: Recall@K and MAP@R.

These are offline evaluation functions, not streaming metrics (STYLE.md
section 2.8): they run in NumPy on `model.predict` outputs, like
pytorch-metric-learning's `AccuracyCalculator`, and never build the full
`[num_queries, num_references]` similarity matrix. Query rows are processed in
chunks of `chunk_size`; the memory used per chunk is about
`10 * chunk_size * num_references` bytes.

Conventions of both functions. The first three are those of
pytorch-metric-learning 2.9.0's `AccuracyCalculator` with a cosine `CustomKNN`
(`precision_at_1` and `mean_average_precision_at_r`, `avg_of_avgs=False`):

- Similarity is cosine similarity in float32. Rows are L2-normalised first; an
  all-zero row stays zero and so has similarity 0 to everything.
- Without a reference set, the evaluation is leave-one-out: every row is a
  query, the other rows are its references and its own row is never a
  neighbour. With `reference_embeddings`, queries are ranked against that
  separate gallery and nothing is excluded (a gallery row equal to a query
  still counts).
- A query with no relevant reference (R = 0: its label does not occur in the
  references, or is a singleton class in leave-one-out mode) is left out of the
  average, as `AccuracyCalculator` does with its "lone" queries. If every query
  is left out, the result is `nan`.
- Ties in similarity rank the reference with the lower row index first
  (`torch.topk`, used by `AccuracyCalculator`, leaves the order of exact ties
  unspecified, so the two agree whenever no exact ties decide a result).
"""

import math
import numbers

import keras
import numpy as np

from kzoo.api_export import kzoo_export

# Rows of queries scored per block. With 50,000 references the work buffers of
# a 512-row block take about 230 MB; smaller blocks were slower and larger ones
# not clearly faster on the benchmark (tools/bench_evaluation.py).
DEFAULT_CHUNK_SIZE = 512

# Args text shared by the retrieval functions, filled in with `.format`.
_SHARED_ARGS = {
    "embeddings": """embeddings: float array of shape `(num_queries, dim)`:
            the query embeddings (NumPy array or backend tensor). Without a
            reference set they are also the references.""",
    "labels": """labels: integer array of shape `(num_queries,)` or
            `(num_queries, 1)`: the class of each query.""",
    "reference_embeddings": """reference_embeddings: optional float array of
            shape `(num_references, dim)`: a separate gallery to rank the
            queries against. Defaults to `None` (leave-one-out over
            `embeddings`).""",
    "reference_labels": """reference_labels: integer array of shape
            `(num_references,)` or `(num_references, 1)`, required together with
            `reference_embeddings`. Defaults to `None`.""",
    "chunk_size": """chunk_size: number of query rows whose similarities to all
            references are held in memory at once. Results do not depend on it.
            Defaults to `{default}`.""".format(default=DEFAULT_CHUNK_SIZE),
}


def _fill_docstring(fn):
    if fn.__doc__:  # None under `python -OO`
        fn.__doc__ = fn.__doc__.format(**_SHARED_ARGS)
    return fn


# --------------------------------------------------------------------------- #
# Input handling
# --------------------------------------------------------------------------- #


def _to_numpy(x):
    if isinstance(x, np.ndarray):
        return x
    return np.asarray(keras.ops.convert_to_numpy(x))


def _shape(x):
    return tuple(int(d) for d in x.shape)


def _check_embeddings(x, name):
    x = _to_numpy(x)
    if x.ndim != 2:
        raise ValueError(
            f"`{name}` must be a rank-2 array of shape (num_rows, dim). "
            f"Received: {name}.shape={_shape(x)}"
        )
    if x.shape[0] == 0:
        raise ValueError(
            f"`{name}` must contain at least one row. "
            f"Received: {name}.shape={_shape(x)}"
        )
    # "V" admits ml_dtypes' bfloat16, which JAX tensors convert to.
    if x.dtype.kind not in "fiuV":
        raise ValueError(
            f"`{name}` must have a numeric dtype. "
            f"Received: {name}.dtype={x.dtype}"
        )
    x = x.astype(np.float32, copy=False)
    n_bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
    if n_bad:
        raise ValueError(
            f"`{name}` must be finite. Received: {name} with {n_bad} "
            "NaN or infinite values"
        )
    return x


def _check_labels(y, name, embeddings, embeddings_name):
    y = _to_numpy(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(
            f"`{name}` must have shape (num_rows,) or (num_rows, 1). "
            f"Received: {name}.shape={_shape(y)}"
        )
    if y.dtype.kind not in "iu":
        raise ValueError(
            f"`{name}` must have an integer dtype. "
            f"Received: {name}.dtype={y.dtype}"
        )
    if y.shape[0] != embeddings.shape[0]:
        raise ValueError(
            f"`{name}` must have one entry per row of `{embeddings_name}`. "
            f"Received: {name}.shape={_shape(y)} and "
            f"{embeddings_name}.shape={_shape(embeddings)}"
        )
    if y.dtype == np.uint64 and y.size and y.max() > np.iinfo(np.int64).max:
        raise ValueError(
            f"`{name}` must fit in int64. Received: {name} with maximum "
            f"{int(y.max())}"
        )
    return y.astype(np.int64, copy=False)


def _check_chunk_size(chunk_size):
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, numbers.Integral)
        or chunk_size < 1
    ):
        raise ValueError(
            "`chunk_size` must be a positive integer. "
            f"Received: chunk_size={chunk_size!r}"
        )
    return int(chunk_size)


def _l2_normalize(x):
    """Row-wise L2 normalisation in float32; all-zero rows stay zero."""
    # Divide by the largest magnitude first so the norm cannot overflow.
    scale = np.max(np.abs(x), axis=1, keepdims=True)
    scale[scale == 0] = 1.0
    x = x / scale
    norm = np.sqrt(np.einsum("ij,ij->i", x, x))[:, None]
    norm[norm == 0] = 1.0
    x /= norm
    return x


def _prepare(
    embeddings, labels, reference_embeddings, reference_labels, chunk_size
):
    """Validates the inputs and returns the normalised problem."""
    chunk_size = _check_chunk_size(chunk_size)
    queries = _check_embeddings(embeddings, "embeddings")
    query_labels = _check_labels(labels, "labels", queries, "embeddings")
    if reference_embeddings is None and reference_labels is None:
        same_source = True
        references, reference_labels = queries, query_labels
    elif reference_embeddings is None or reference_labels is None:
        if reference_labels is None:
            given, missing = "reference_embeddings", "reference_labels"
            value = reference_embeddings
        else:
            given, missing = "reference_labels", "reference_embeddings"
            value = reference_labels
        raise ValueError(
            f"`{missing}` must be given together with `{given}`. "
            f"Received: {given}.shape={_shape(_to_numpy(value))} and "
            f"{missing}=None"
        )
    else:
        same_source = False
        references = _check_embeddings(
            reference_embeddings, "reference_embeddings"
        )
        reference_labels = _check_labels(
            reference_labels,
            "reference_labels",
            references,
            "reference_embeddings",
        )
        if references.shape[1] != queries.shape[1]:
            raise ValueError(
                "`reference_embeddings` must have the same dimension as "
                "`embeddings`. Received: "
                f"reference_embeddings.shape={_shape(references)} and "
                f"embeddings.shape={_shape(queries)}"
            )

    queries = _l2_normalize(queries)
    references = queries if same_source else _l2_normalize(references)

    # R: the number of relevant references of each query.
    classes, counts = np.unique(reference_labels, return_counts=True)
    pos = np.minimum(np.searchsorted(classes, query_labels), len(classes) - 1)
    num_relevant = np.where(classes[pos] == query_labels, counts[pos], 0)
    num_relevant = num_relevant - int(same_source)
    return (
        queries,
        query_labels,
        references,
        reference_labels,
        same_source,
        num_relevant,
        chunk_size,
    )


# --------------------------------------------------------------------------- #
# Chunked exact k-NN
# --------------------------------------------------------------------------- #


class _Ranker:
    """Exact cosine k-NN for chunks of query rows, in reused work buffers.

    The buffers (float32 similarities, a float32 copy to partition and a bool
    mask: 9 bytes for each of `max_rows x num_references` entries) are
    allocated once: fresh arrays for every chunk cost about as much in page
    faults as the matrix product itself.
    """

    def __init__(self, queries, references, same_source, max_rows):
        self.queries = queries
        self.references = references
        self.same_source = same_source
        shape = (max_rows, len(references))
        self.sims = np.empty(shape, dtype=np.float32)
        self.scratch = np.empty(shape, dtype=np.float32)
        self.mask = np.empty(shape, dtype=bool)

    def top_k(self, rows, k):
        """Reference indices of the `k` nearest references of the query `rows`.

        Returns an int array of shape `(len(rows), k)`, best first. Ties in
        similarity rank the lower reference index first, so the result does
        not depend on the partition algorithm or on the chunking. Only the `k`
        kept candidates of each row are sorted.
        """
        num_rows, n = len(rows), len(self.references)
        sims = self.sims[:num_rows]
        np.matmul(self.queries[rows], self.references.T, out=sims)
        if self.same_source:
            # Leave-one-out: a query is never its own neighbour. -inf ranks
            # last and k <= num_references - 1, so it is never selected.
            sims[np.arange(num_rows), rows] = -np.inf
        if k == 1:
            # argmax returns the first maximum: the lowest index among ties.
            return np.argmax(sims, axis=1)[:, None]

        # The k-th largest value of each row.
        scratch = self.scratch[:num_rows]
        np.copyto(scratch, sims)
        scratch.partition(n - k, axis=1)
        kth = scratch[:, n - k].copy()[:, None]
        selected = np.greater_equal(sims, kth, out=self.mask[:num_rows])
        num_selected = np.count_nonzero(selected, axis=1)
        # Rows whose k-th value is tied past the cut keep the lowest indices.
        for row in np.flatnonzero(num_selected > k):
            ties = np.flatnonzero(sims[row] == kth[row, 0])
            selected[row, ties[len(ties) - (num_selected[row] - k) :]] = False
        cols = np.nonzero(selected)[1].reshape(num_rows, k)  # ascending
        vals = np.take_along_axis(sims, cols, axis=1)
        order = np.argsort(-vals, axis=1, kind="stable")
        return np.take_along_axis(cols, order, axis=1)


def _chunks_by_r(scored, num_relevant, chunk_size, num_references):
    """Yields `(rows, k)` chunks of `scored` (sorted by increasing R).

    `k` is the chunk's largest R. A chunk holds at most `chunk_size` rows, and
    fewer when R is large, so that its `rows x k` top-k bookkeeping (about 40
    bytes an entry) stays within about one `chunk_size x num_references`
    similarity block.
    """
    budget = max(1, chunk_size * num_references // 8)
    start = 0
    while start < len(scored):
        widths = num_relevant[scored[start : start + chunk_size]]
        # Non-decreasing in the number of rows, since R is along `scored`.
        costs = np.arange(1, len(widths) + 1) * widths
        size = max(1, int(np.searchsorted(costs, budget, side="right")))
        yield scored[start : start + size], int(widths[size - 1])
        start += size


def _parse_k(k):
    def valid(v):
        return (
            not isinstance(v, bool)
            and isinstance(v, numbers.Integral)
            and v >= 1
        )

    if isinstance(k, numbers.Integral) and not isinstance(k, bool):
        if not valid(k):
            raise ValueError(
                f"`k` must be a positive integer. Received: k={k!r}"
            )
        return [int(k)], True
    if isinstance(k, (list, tuple, np.ndarray)):
        ks = list(k.ravel()) if isinstance(k, np.ndarray) else list(k)
        if ks and all(valid(v) for v in ks):
            return list(dict.fromkeys(int(v) for v in ks)), False
    raise ValueError(
        "`k` must be a positive integer or a non-empty sequence of positive "
        f"integers. Received: k={k!r}"
    )


# --------------------------------------------------------------------------- #
# Public API
# --------------------------------------------------------------------------- #


@kzoo_export("kzoo.evaluation.recall_at_k")
@_fill_docstring
def recall_at_k(
    embeddings,
    labels,
    k=1,
    *,
    reference_embeddings=None,
    reference_labels=None,
    chunk_size=DEFAULT_CHUNK_SIZE,
):
    """Recall@K: the fraction of queries with a same-class item in their top K.

    The standard metric-learning Recall@K (as in Oh Song et al. and most papers
    since): a query scores 1 if at least one of its `k` nearest references under
    cosine similarity has its label, else 0, and the result is the mean over
    queries. Without a reference set, each row is a query against all other rows
    (leave-one-out); with `reference_embeddings`, the queries are ranked against
    that gallery and nothing is excluded. Queries without any relevant reference
    (R = 0) are left out of the mean, as pytorch-metric-learning's
    `AccuracyCalculator` does; `recall_at_k(..., k=1)` equals its
    `precision_at_1`. Ties in similarity rank the lower reference index first.

    Several cut-offs are computed from one pass when `k` is a sequence.

    Formula:

    ```python
    nn_1(q), ..., nn_k(q) = the k references most cosine-similar to q
                            (q itself excluded in leave-one-out mode)
    hit_k(q) = 1 if label(nn_i(q)) == label(q) for some i <= k, else 0
    recall@k = mean(hit_k(q) for queries q with R(q) > 0)
    ```

    Args:
        {embeddings}
        {labels}
        k: a positive integer, or a sequence of them, no larger than the number
            of references (`num_queries - 1` in leave-one-out mode).
            Defaults to `1`.
        {reference_embeddings}
        {reference_labels}
        {chunk_size}

    Returns:
        A Python float when `k` is an integer, or a dict `{{k: float}}` for each
        distinct `k` of a sequence. `nan` when no query has a relevant
        reference.

    Example:

    >>> embeddings = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [0.6, 0.8]])
    >>> labels = np.array([0, 0, 1, 1])
    >>> kzoo.evaluation.recall_at_k(embeddings, labels, k=[1, 2])
    {{1: 0.5, 2: 1.0}}
    >>> kzoo.evaluation.recall_at_k(
    ...     embeddings[:2], labels[:2],
    ...     reference_embeddings=embeddings[2:], reference_labels=labels[2:])
    nan

    On a trained model:
    `kzoo.evaluation.recall_at_k(model.predict(x_test), y_test, k=[1, 4])`.

    References:
        - [Oh Song et al., 2016. Deep Metric Learning via Lifted Structured
          Feature Embedding](https://arxiv.org/abs/1511.06452)
        - [Musgrave et al., 2020. A Metric Learning Reality Check](
          https://arxiv.org/abs/2003.08505)
    """
    ks, scalar = _parse_k(k)
    (
        queries,
        query_labels,
        references,
        reference_labels,
        same_source,
        num_relevant,
        chunk_size,
    ) = _prepare(
        embeddings, labels, reference_embeddings, reference_labels, chunk_size
    )
    num_references = len(references) - int(same_source)
    k_max = max(ks)
    if k_max > num_references:
        where = " (num_queries - 1 in leave-one-out mode)" * same_source
        raise ValueError(
            f"`k` must not exceed the number of references{where}, which is "
            f"{num_references}. Received: k={k!r}"
        )

    # Only queries with a relevant reference count (AccuracyCalculator's
    # not-lone queries); the others are not scored at all.
    scored = np.flatnonzero(num_relevant > 0)
    hits = np.zeros(len(ks), dtype=np.int64)
    cutoffs = np.asarray(ks)[:, None]
    ranker = _Ranker(
        queries, references, same_source, min(chunk_size, len(scored))
    )
    for start in range(0, len(scored), chunk_size):
        rows = scored[start : start + chunk_size]
        ranked = ranker.top_k(rows, k_max)
        same = reference_labels[ranked] == query_labels[rows][:, None]
        first_hit = np.where(same.any(axis=1), same.argmax(axis=1), k_max)
        hits += np.count_nonzero(first_hit[None, :] < cutoffs, axis=1)

    if len(scored) == 0:
        values = [float("nan")] * len(ks)
    else:
        values = [float(h) / len(scored) for h in hits]
    if scalar:
        return values[0]
    return dict(zip(ks, values))


@kzoo_export("kzoo.evaluation.map_at_r")
@_fill_docstring
def map_at_r(
    embeddings,
    labels,
    *,
    reference_embeddings=None,
    reference_labels=None,
    chunk_size=DEFAULT_CHUNK_SIZE,
):
    """MAP@R: mean average precision over each query's first R neighbours.

    Musgrave et al. (2020) propose MAP@R as a retrieval metric that rewards a
    well-ranked neighbourhood rather than just the first hit. For each query, R
    is its number of relevant references (same label; the query itself is
    excluded in leave-one-out mode). Its AP@R sums the precision at each
    relevant position among its R nearest references under cosine similarity
    and divides by R, so a query scores 1 only if its R nearest references are
    all relevant. Queries with R = 0 are left out of the mean, as
    pytorch-metric-learning's `AccuracyCalculator` does for
    `mean_average_precision_at_r`. Ties in similarity rank the lower reference
    index first.

    Each query needs its top-R neighbours, so the work per query grows with the
    size of its class; chunks hold fewer rows when R is large, to keep memory
    bounded by about one `chunk_size x num_references` block.

    Formula:

    ```python
    R(q) = number of references with label(q)
           (not counting q itself in leave-one-out mode)
    rel(i) = 1 if the i-th nearest reference of q has label(q), else 0
    P(i) = (1 / i) * sum(rel(j) for j in 1..i)
    AP@R(q) = (1 / R(q)) * sum(P(i) * rel(i) for i in 1..R(q))
    MAP@R = mean(AP@R(q) for queries q with R(q) > 0)
    ```

    Args:
        {embeddings}
        {labels}
        {reference_embeddings}
        {reference_labels}
        {chunk_size}

    Returns:
        A Python float, or `nan` when no query has a relevant reference.

    Example:

    >>> embeddings = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [0.6, 0.8]])
    >>> labels = np.array([0, 0, 1, 1])
    >>> kzoo.evaluation.map_at_r(embeddings, labels)
    0.5
    >>> kzoo.evaluation.map_at_r(  # a separate gallery: nothing is excluded
    ...     embeddings[[1, 3]], labels[[1, 3]],
    ...     reference_embeddings=embeddings, reference_labels=labels)
    0.5

    On a trained model:
    `kzoo.evaluation.map_at_r(model.predict(x_test), y_test)`.

    References:
        - [Musgrave et al., 2020. A Metric Learning Reality Check](
          https://arxiv.org/abs/2003.08505)
    """
    (
        queries,
        query_labels,
        references,
        reference_labels,
        same_source,
        num_relevant,
        chunk_size,
    ) = _prepare(
        embeddings, labels, reference_embeddings, reference_labels, chunk_size
    )
    num_references = len(references) - int(same_source)

    # Score queries in order of increasing R so that each chunk's top-k width
    # (its largest R) fits its rows; queries with R = 0 are not scored.
    scored = np.flatnonzero(num_relevant > 0)
    scored = scored[np.argsort(num_relevant[scored], kind="stable")]
    average_precision = np.zeros(len(queries), dtype=np.float64)
    chunks = _chunks_by_r(scored, num_relevant, chunk_size, num_references)
    ranker = _Ranker(
        queries, references, same_source, min(chunk_size, len(scored))
    )
    for rows, k in chunks:
        ranked = ranker.top_k(rows, k)
        r = num_relevant[rows]
        relevant = reference_labels[ranked] == query_labels[rows][:, None]
        del ranked
        relevant &= np.arange(k)[None, :] < r[:, None]  # the first R positions
        # Each relevant position i contributes P(i) = (number of relevant
        # positions up to i) / i. Summed per row in rank order by bincount, so
        # the result does not depend on the chunk's width k.
        row_of_hit, position = np.nonzero(relevant)
        del relevant
        hits_per_row = np.bincount(row_of_hit, minlength=len(rows))
        first_hit = np.cumsum(hits_per_row) - hits_per_row
        num_hits_so_far = np.arange(1, len(position) + 1) - np.repeat(
            first_hit, hits_per_row
        )
        precision_sum = np.bincount(
            row_of_hit,
            weights=num_hits_so_far / (position + 1.0),
            minlength=len(rows),
        )
        average_precision[rows] = precision_sum / r

    if len(scored) == 0:
        return float("nan")
    # fsum is exactly rounded, hence independent of the order of the queries.
    return math.fsum(average_precision[scored]) / len(scored)

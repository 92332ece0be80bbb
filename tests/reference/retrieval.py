"""Float64 brute-force references for `kzoo.evaluation` (Recall@K and MAP@R).

Written from the definitions, with the full similarity matrix and explicit
loops; meant for a few hundred rows at most. Conventions, as documented in
`kzoo/evaluation/retrieval.py`: cosine similarity (all-zero rows stay zero),
leave-one-out when no reference set is given, ties ranked by lower reference
index, and queries without any relevant reference (R = 0) left out of the mean
(`nan` when none is left).
"""

import math

import numpy as np


def _normalize(x):
    x = np.asarray(x, dtype=np.float64)
    norm = np.sqrt(np.sum(x * x, axis=1, keepdims=True))
    return x / np.where(norm == 0, 1.0, norm)


def _problem(embeddings, labels, reference_embeddings, reference_labels):
    query_labels = np.asarray(labels).reshape(-1)
    queries = _normalize(embeddings)
    if reference_embeddings is None:
        return queries, query_labels, queries, query_labels, True
    references = _normalize(reference_embeddings)
    return (
        queries,
        query_labels,
        references,
        np.asarray(reference_labels).reshape(-1),
        False,
    )


def ranked_neighbours(
    embeddings, labels, reference_embeddings=None, reference_labels=None
):
    """Yields `(label, R, ranked reference labels)` for each query."""
    queries, qlab, refs, rlab, same_source = _problem(
        embeddings, labels, reference_embeddings, reference_labels
    )
    sims = queries @ refs.T  # full [num_queries, num_references] matrix
    for i in range(len(queries)):
        candidates = [
            j for j in range(len(refs)) if not (same_source and j == i)
        ]
        ranked = sorted(candidates, key=lambda j: (-sims[i, j], j))
        r = sum(1 for j in candidates if rlab[j] == qlab[i])
        yield qlab[i], r, [rlab[j] for j in ranked]


def recall_at_k(
    embeddings, labels, k, reference_embeddings=None, reference_labels=None
):
    scores = []
    for label, r, ranked in ranked_neighbours(
        embeddings, labels, reference_embeddings, reference_labels
    ):
        if r == 0:
            continue
        scores.append(float(any(lab == label for lab in ranked[:k])))
    return sum(scores) / len(scores) if scores else math.nan


def map_at_r(
    embeddings, labels, reference_embeddings=None, reference_labels=None
):
    scores = []
    for label, r, ranked in ranked_neighbours(
        embeddings, labels, reference_embeddings, reference_labels
    ):
        if r == 0:
            continue
        num_relevant, ap = 0, 0.0
        for i, lab in enumerate(ranked[:r], start=1):
            if lab == label:
                num_relevant += 1
                ap += num_relevant / i  # P(i) * rel(i)
        scores.append(ap / r)
    return sum(scores) / len(scores) if scores else math.nan

"""Tests for `kzoo.evaluation.recall_at_k` and `kzoo.evaluation.map_at_r`.

Where the expected numbers come from:
- `tests/reference/retrieval.py`: a float64 brute-force reference written from
  the definitions (full similarity matrix, explicit loops);
- pytorch-metric-learning 2.9.0's `AccuracyCalculator`, run inline on the same
  data (`precision_at_1` and `mean_average_precision_at_r`, cosine k-NN through
  `CustomKNN(CosineSimilarity())` since faiss is not installed, and
  `k="max_bin_count"` so that MAP@R sees every relevant reference);
- the hand-computed docstring examples, run through doctest.
"""

import doctest
import math
import tracemalloc

import keras
import numpy as np
import pytest
import torch
from pytorch_metric_learning.distances import CosineSimilarity
from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator
from pytorch_metric_learning.utils.inference import CustomKNN

import kzoo
import kzoo.evaluation
from kzoo.api_export import EXPORTED
from kzoo.evaluation import map_at_r
from kzoo.evaluation import recall_at_k
from kzoo.evaluation import retrieval
from tests.reference import retrieval as reference


def clustered(n, dim, num_classes, seed, noise=0.9, singleton=True):
    """Gaussian clusters; `singleton` gives the last row a class of its own."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(num_classes, dim))
    labels = rng.integers(0, num_classes, size=n)
    x = centers[labels] + noise * rng.normal(size=(n, dim))
    if singleton:
        labels[-1] = num_classes  # a label that occurs once
    return x.astype(np.float32), labels


def split(x, y, seed):
    """Queries and a separate gallery; one query class is absent from it."""
    rng = np.random.default_rng(seed)
    in_query = rng.random(len(y)) < 0.4
    absent = y[0]  # every row of this class becomes a query
    in_query |= y == absent
    return x[in_query], y[in_query], x[~in_query], y[~in_query]


def pml_scores(x, y, ref_x=None, ref_y=None):
    calculator = AccuracyCalculator(
        include=("precision_at_1", "mean_average_precision_at_r"),
        k="max_bin_count",
        device=torch.device("cpu"),
        knn_func=CustomKNN(CosineSimilarity()),
    )

    def to_torch(a):
        return None if a is None else torch.from_numpy(np.asarray(a))

    return calculator.get_accuracy(
        to_torch(x), to_torch(y), to_torch(ref_x), to_torch(ref_y)
    )


# --------------------------------------------------------------------------- #
# Parity
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("separate", [False, True], ids=["same", "separate"])
def test_matches_pml_accuracy_calculator(seed, separate):
    x, y = clustered(n=180, dim=16, num_classes=9, seed=seed)
    if separate:
        qx, qy, rx, ry = split(x, y, seed)
        kwargs = {"reference_embeddings": rx, "reference_labels": ry}
        expected = pml_scores(qx, qy, rx, ry)
    else:
        qx, qy, kwargs = x, y, {}
        expected = pml_scores(x, y)
    r1 = recall_at_k(qx, qy, k=1, **kwargs)
    mapr = map_at_r(qx, qy, **kwargs)
    # Non-trivial values, so that the comparison means something.
    assert 0.2 < r1 < 0.99 and 0.05 < mapr < 0.95
    np.testing.assert_allclose(r1, expected["precision_at_1"], rtol=1e-12)
    np.testing.assert_allclose(
        mapr, expected["mean_average_precision_at_r"], rtol=1e-12
    )


@pytest.mark.parametrize("seed", [3, 4])
@pytest.mark.parametrize("separate", [False, True], ids=["same", "separate"])
def test_matches_float64_reference(seed, separate):
    x, y = clustered(n=120, dim=8, num_classes=6, seed=seed, noise=1.2)
    if separate:
        qx, qy, rx, ry = split(x, y, seed)
        kwargs = {"reference_embeddings": rx, "reference_labels": ry}
    else:
        qx, qy, rx, ry, kwargs = x, y, None, None, {}
    ks = [1, 2, 5]
    got = recall_at_k(qx, qy, k=ks, **kwargs)
    assert list(got) == ks
    for k in ks:
        expected = reference.recall_at_k(qx, qy, k, rx, ry)
        np.testing.assert_allclose(got[k], expected, rtol=1e-12)
        assert recall_at_k(qx, qy, k=k, **kwargs) == got[k]
    np.testing.assert_allclose(
        map_at_r(qx, qy, **kwargs),
        reference.map_at_r(qx, qy, rx, ry),
        rtol=1e-12,
    )


def test_ties_zero_vectors_and_duplicates_follow_lower_index():
    # Exact ties everywhere: duplicated rows, all-zero rows (similarity 0 to
    # everything) and a direction shared by two classes. The reference breaks
    # ties by lower reference index, as documented.
    base = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [1.0, 0.0]])
    x = np.repeat(base, 3, axis=0).astype(np.float32)
    y = np.array([0, 1, 0, 1, 1, 2, 2, 0, 2, 2, 0, 1])
    for k in (1, 2, 3, 5):
        for chunk_size in (1, 5, 64):
            got = recall_at_k(x, y, k=k, chunk_size=chunk_size)
            assert got == pytest.approx(reference.recall_at_k(x, y, k))
    for chunk_size in (1, 5, 64):
        got = map_at_r(x, y, chunk_size=chunk_size)
        assert got == pytest.approx(reference.map_at_r(x, y), rel=1e-12)


def test_large_class_uses_narrow_chunks():
    # One class holds 250 of 300 rows: with chunk_size=4 its queries need the
    # top 249 neighbours, more than the per-chunk budget of 4 * 299 / 8 top-k
    # entries, so its chunks shrink to one row each.
    x, y = clustered(n=300, dim=6, num_classes=12, seed=5, singleton=False)
    y[:250] = 0
    r = np.concatenate([np.full(50, 1), np.full(250, 249)])
    chunks = list(retrieval._chunks_by_r(np.arange(300), r, 4, 299))
    assert [(len(rows), k) for rows, k in chunks] == (
        [(4, 1)] * 12 + [(2, 1)] + [(1, 249)] * 250
    )
    expected = reference.map_at_r(x, y)
    for chunk_size in (4, 64, 512):
        got = map_at_r(x, y, chunk_size=chunk_size)
        np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("separate", [False, True], ids=["same", "separate"])
def test_chunk_size_does_not_change_results(separate):
    x, y = clustered(n=203, dim=12, num_classes=7, seed=6)
    kwargs = {}
    if separate:
        x, y, rx, ry = split(x, y, 6)
        kwargs = {"reference_embeddings": rx, "reference_labels": ry}
    full_recall = recall_at_k(x, y, k=[1, 3, 10], chunk_size=1024, **kwargs)
    full_map = map_at_r(x, y, chunk_size=1024, **kwargs)
    for chunk_size in (1, 13, 64):  # smaller than N and not dividing it
        assert (
            recall_at_k(x, y, k=[1, 3, 10], chunk_size=chunk_size, **kwargs)
            == full_recall
        )
        assert map_at_r(x, y, chunk_size=chunk_size, **kwargs) == full_map


# --------------------------------------------------------------------------- #
# Inputs
# --------------------------------------------------------------------------- #


def test_label_shapes_dtypes_and_backend_tensors():
    x, y = clustered(n=60, dim=8, num_classes=4, seed=7)
    expected_recall = recall_at_k(x, y, k=[1, 4])
    expected_map = map_at_r(x, y)
    tensor = keras.ops.convert_to_tensor
    for labels in (
        y[:, None],
        y.astype(np.int8),
        y.astype(np.uint16),
        y.astype(np.int32)[:, None],
        tensor(y.astype(np.int32)),
        tensor(y.astype(np.int32)[:, None]),
    ):
        for embeddings in (x, x.astype(np.float64), tensor(x)):
            assert recall_at_k(embeddings, labels, k=[1, 4]) == expected_recall
            assert map_at_r(embeddings, labels) == expected_map
    qx, qy, rx, ry = split(x, y, 7)
    expected = map_at_r(qx, qy, reference_embeddings=rx, reference_labels=ry)
    got = map_at_r(
        tensor(qx),
        tensor(qy.astype(np.int32)),
        reference_embeddings=tensor(rx),
        reference_labels=tensor(ry.astype(np.int32)[:, None]),
    )
    assert got == expected


def test_return_types():
    x, y = clustered(n=30, dim=4, num_classes=3, seed=8)
    assert type(recall_at_k(x, y)) is float
    assert type(map_at_r(x, y)) is float
    got = recall_at_k(x, y, k=(4, np.int64(1), 4))
    assert list(got) == [4, 1] and all(type(v) is float for v in got.values())
    assert recall_at_k(x, y, k=np.array([2, 3])).keys() == {2, 3}


def test_queries_without_relevant_references_are_left_out():
    x, y = clustered(n=40, dim=4, num_classes=3, seed=9, singleton=False)
    # Three singleton classes: their queries are PML's "lone" queries and are
    # not scored, but their rows remain references for the other queries.
    extra = np.ones((3, 4), np.float32)
    x2, y2 = np.concatenate([x, extra]), np.concatenate([y, [7, 8, 9]])
    np.testing.assert_allclose(
        map_at_r(x2, y2), reference.map_at_r(x2, y2), rtol=1e-12
    )
    np.testing.assert_allclose(
        recall_at_k(x2, y2, k=2), reference.recall_at_k(x2, y2, 2), rtol=1e-12
    )
    # No query has a relevant reference: nan, as AccuracyCalculator returns.
    assert math.isnan(recall_at_k(x[:3], np.array([0, 1, 2])))
    assert math.isnan(map_at_r(x[:3], np.array([0, 1, 2])))
    got = recall_at_k(
        x[:5], y[:5] + 10, k=[1, 2], reference_embeddings=x, reference_labels=y
    )
    assert all(math.isnan(v) for v in got.values())
    assert math.isnan(map_at_r(x[:1], y[:1]))  # a single row: nothing to rank


_X = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
_Y = np.array([0, 0, 1, 1, 2, 2])


@pytest.mark.parametrize(
    "fn, kwargs, message",
    [
        (
            recall_at_k,
            {"k": 0},
            "^`k` must be a positive integer. Received: k=0$",
        ),
        (recall_at_k, {"k": -2}, "Received: k=-2"),
        (recall_at_k, {"k": 1.5}, "`k` .* Received: k=1.5"),
        (recall_at_k, {"k": True}, "`k` .* Received: k=True"),
        (recall_at_k, {"k": []}, r"`k` .* Received: k=\[\]"),
        (recall_at_k, {"k": [1, 0]}, r"`k` .* Received: k=\[1, 0\]"),
        (recall_at_k, {"k": 6}, r"`k` must not exceed .* 5\. Received: k=6"),
        (recall_at_k, {"k": [1, 6]}, r"Received: k=\[1, 6\]"),
        (
            recall_at_k,
            {
                "k": 4,
                "reference_embeddings": _X[:3],
                "reference_labels": _Y[:3],
            },
            r"`k` must not exceed .* 3\. Received: k=4",
        ),
        (map_at_r, {"chunk_size": 0}, "`chunk_size` .* Received: chunk_size=0"),
        (recall_at_k, {"chunk_size": 2.0}, "Received: chunk_size=2.0"),
        (
            map_at_r,
            {"embeddings": _X[0]},
            r"`embeddings` must be a rank-2 .* Received: "
            r"embeddings.shape=\(3,\)",
        ),
        (
            map_at_r,
            {"embeddings": _X[:0], "labels": _Y[:0]},
            r"`embeddings` must contain .* Received: embeddings.shape=\(0, 3\)",
        ),
        (
            map_at_r,
            {"labels": _Y[:5]},
            r"`labels` must have one entry per row of `embeddings`. "
            r"Received: labels.shape=\(5,\) and embeddings.shape=\(6, 3\)",
        ),
        (
            recall_at_k,
            {"labels": np.zeros((6, 2), int)},
            r"`labels` must have shape .* Received: labels.shape=\(6, 2\)",
        ),
        (
            recall_at_k,
            {"labels": _Y.astype(np.float32)},
            "`labels` must have an integer dtype. "
            "Received: labels.dtype=float32",
        ),
        (
            recall_at_k,
            {"embeddings": _X > 0},
            "`embeddings` must have a numeric dtype. "
            "Received: embeddings.dtype=bool",
        ),
        (
            map_at_r,
            {"embeddings": np.where(_X > 1, np.nan, _X)},
            "`embeddings` must be finite. Received: embeddings with",
        ),
        (
            map_at_r,
            {"reference_embeddings": _X},
            r"`reference_labels` must be given together with "
            r"`reference_embeddings`. Received: reference_embeddings.shape="
            r"\(6, 3\) and reference_labels=None",
        ),
        (
            recall_at_k,
            {"reference_labels": _Y},
            r"`reference_embeddings` must be given .* Received: "
            r"reference_labels.shape=\(6,\) and reference_embeddings=None",
        ),
        (
            map_at_r,
            {"reference_embeddings": _X[:, :2], "reference_labels": _Y},
            r"`reference_embeddings` must have the same dimension as "
            r"`embeddings`. Received: reference_embeddings.shape=\(6, 2\) and "
            r"embeddings.shape=\(6, 3\)",
        ),
        (
            map_at_r,
            {"reference_embeddings": _X, "reference_labels": _Y[:4]},
            r"`reference_labels` must have one entry per row of "
            r"`reference_embeddings`. Received: reference_labels.shape=\(4,\)",
        ),
        (
            recall_at_k,
            {"reference_embeddings": _X[None], "reference_labels": _Y},
            r"`reference_embeddings` must be a rank-2 .* Received: "
            r"reference_embeddings.shape=\(1, 6, 3\)",
        ),
    ],
)
def test_bad_inputs_are_rejected(fn, kwargs, message):
    args = {"embeddings": _X, "labels": _Y, **kwargs}
    with pytest.raises(ValueError, match=message):
        fn(args.pop("embeddings"), args.pop("labels"), **args)


# --------------------------------------------------------------------------- #
# Memory, registration, docs
# --------------------------------------------------------------------------- #


def test_peak_memory_stays_far_below_the_full_matrix():
    n, chunk_size = 6000, 512
    x, y = clustered(n=n, dim=64, num_classes=30, seed=10, noise=2.0)
    full_matrix_bytes = n * n * 4  # 144 MB
    for fn, kwargs in ((recall_at_k, {"k": [1, 10]}), (map_at_r, {})):
        tracemalloc.start()
        try:
            fn(x, y, chunk_size=chunk_size, **kwargs)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        # About 10 bytes per entry of one chunk_size x n block (30 MB here).
        assert peak < full_matrix_bytes / 4, (fn.__name__, peak)


def test_exported_and_documented():
    assert EXPORTED["kzoo.evaluation.recall_at_k"] is recall_at_k
    assert EXPORTED["kzoo.evaluation.map_at_r"] is map_at_r
    assert kzoo.evaluation.recall_at_k is recall_at_k
    for fn in (recall_at_k, map_at_r):
        doc = fn.__doc__
        for section in ("Formula:", "Args:", "Returns:", "Example:"):
            assert section in doc
        assert "https://arxiv.org/abs/2003.08505" in doc
        default = f"Defaults to `{retrieval.DEFAULT_CHUNK_SIZE}`."
        assert default in doc and "{" not in doc.split("Returns")[0]


def test_docstring_examples():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    globs = {"np": np, "kzoo": kzoo}
    tests = finder.find(retrieval, globs=globs)
    assert sum(len(t.examples) for t in tests) >= 6
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0

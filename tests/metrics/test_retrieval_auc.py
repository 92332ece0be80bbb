import os

import keras
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve

import kzoo


def _np(t):
    return keras.ops.convert_to_numpy(t)


def _data(seed=0, shape=(6, 20)):
    rng = np.random.default_rng(seed)
    rel = (rng.uniform(size=shape) < 0.3).astype("float32")
    scores = np.tanh(rng.normal(size=shape) + 1.2 * rel).astype("float32")
    return rel, scores


def test_matches_sklearn_within_bin_width_and_streams():
    rel, scores = _data()
    metric = kzoo.metrics.RetrievalAUC(num_bins=2000)
    metric.update_state(rel[:3], scores[:3])
    metric.update_state(rel[3:], scores[3:])
    exact = roc_auc_score(rel.ravel(), scores.ravel())
    np.testing.assert_allclose(float(_np(metric.result())), exact, atol=2e-3)
    metric.reset_state()
    assert float(_np(metric.result())) == 0.0


def test_exact_on_bin_centres_with_ties_and_weights():
    rng = np.random.default_rng(1)
    rel = (rng.uniform(size=(5, 8)) < 0.4).astype("float32")
    # 10 bins over [-1, 1]: centres -0.9, -0.7, ..., 0.9; many ties.
    scores = (rng.integers(0, 10, size=(5, 8)) * 0.2 - 0.9).astype("float32")
    w = rng.uniform(0.5, 2.0, size=5).astype("float32")
    metric = kzoo.metrics.RetrievalAUC(num_bins=10)
    metric.update_state(rel, scores, sample_weight=w)
    expected = roc_auc_score(
        rel.ravel(), scores.ravel(), sample_weight=np.repeat(w, 8)
    )
    np.testing.assert_allclose(float(_np(metric.result())), expected, rtol=1e-5)


def test_roc_curve_matches_sklearn():
    rel, scores = _data(2)
    scores = np.round(scores, 1)  # ties
    fpr, tpr, thr = kzoo.evaluation.roc_curve(rel, scores)
    sfpr, stpr, sthr = sk_roc_curve(
        rel.ravel(), scores.ravel(), drop_intermediate=False
    )
    np.testing.assert_allclose(fpr, sfpr)
    np.testing.assert_allclose(tpr, stpr)
    np.testing.assert_allclose(thr[1:], sthr[1:])
    np.testing.assert_allclose(
        kzoo.evaluation.roc_auc(rel, scores),
        roc_auc_score(rel.ravel(), scores.ravel()),
        rtol=1e-12,
    )
    w = np.linspace(0.5, 1.5, len(rel))
    np.testing.assert_allclose(
        kzoo.evaluation.roc_auc(rel, scores, sample_weight=w),
        roc_auc_score(
            rel.ravel(), scores.ravel(), sample_weight=np.repeat(w, 20)
        ),
        rtol=1e-12,
    )
    with pytest.raises(ValueError, match="both positive and negative"):
        kzoo.evaluation.roc_curve(np.ones(3), np.arange(3.0))


def test_plot_writes_png(tmp_path):
    rel, scores = _data(3)
    fpr, tpr, _ = kzoo.evaluation.roc_curve(rel, scores)
    path = kzoo.evaluation.plot_roc_curve(
        {"a": (fpr, tpr)}, os.path.join(tmp_path, "roc.png"), title="t"
    )
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_config_round_trip_and_bad_arguments():
    m = kzoo.metrics.RetrievalAUC(num_bins=10, score_range=(0.0, 1.0))
    restored = keras.metrics.deserialize(keras.metrics.serialize(m))
    assert type(restored) is kzoo.metrics.RetrievalAUC
    assert restored.num_bins == 10 and restored.score_range == (0.0, 1.0)
    with pytest.raises(ValueError, match="Received: num_bins=0"):
        kzoo.metrics.RetrievalAUC(num_bins=0)
    with pytest.raises(ValueError, match="Received: score_range="):
        kzoo.metrics.RetrievalAUC(score_range=(1.0, 0.0))

import keras
import numpy as np
import pytest

import kzoo

Y = np.repeat(np.arange(6), [5, 5, 5, 5, 5, 2])


def test_m_per_class_batches():
    sampler = kzoo.data.MPerClassSampler(Y, m=3, batch_size=12, seed=0)
    assert len(sampler) == len(Y) // 12
    batches = sampler.batches(epoch=0)
    assert batches.shape == (len(sampler), 12)
    for b in batches:
        classes, counts = np.unique(Y[b], return_counts=True)
        assert len(classes) == 4 and np.all(counts == 3)
        for c in classes:  # without replacement where the class allows it
            if np.sum(Y == c) >= 3:
                assert len(set(b[Y[b] == c])) == 3
    np.testing.assert_array_equal(sampler.batches(epoch=0), batches)
    assert not np.array_equal(sampler.batches(epoch=1), batches)
    flat = sampler.epoch_indices(epoch=0)
    np.testing.assert_array_equal(flat, batches.reshape(-1))


def test_m_per_class_pydataset_and_tf_data():
    x = np.arange(len(Y), dtype="float32")[:, None]
    sampler = kzoo.data.MPerClassSampler(Y, m=2, batch_size=4, seed=1)
    ds = sampler.dataset(x, Y)
    assert isinstance(ds, keras.utils.PyDataset) and len(ds) == 6
    xb, yb = ds[0]
    np.testing.assert_array_equal(Y[xb[:, 0].astype(int)], yb)
    assert np.all(np.unique(yb, return_counts=True)[1] == 2)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(2)])
    model.compile(
        optimizer="sgd",
        loss=kzoo.losses.TripletMarginLoss(),
    )
    model.fit(ds, epochs=1, verbose=0)
    tfds = sampler.tf_dataset(x, Y, epochs=1)
    got = [b for b in tfds.as_numpy_iterator()]
    assert len(got) == 6 and got[0][0].shape == (4, 1)
    assert all(np.all(np.unique(b[1], return_counts=True)[1] == 2) for b in got)


def test_m_per_class_bad_arguments():
    with pytest.raises(ValueError, match="multiple of `m`"):
        kzoo.data.MPerClassSampler(Y, m=3, batch_size=10)
    with pytest.raises(ValueError, match="only 6 classes"):
        kzoo.data.MPerClassSampler(Y, m=1, batch_size=7)
    with pytest.raises(ValueError, match="Received: m=0"):
        kzoo.data.MPerClassSampler(Y, m=0)


def test_episode_sampler_layout():
    sampler = kzoo.data.EpisodeSampler(Y, way=3, shot=2, query=2, seed=0)
    idx, lab = sampler.sample()
    assert idx.shape == (12,) and len(set(idx)) == 12
    np.testing.assert_array_equal(lab, [0, 0, 1, 1, 2, 2] * 2)
    real = Y[idx]
    for k in range(3):  # one real class per episode label, in both parts
        assert len(set(real[lab == k])) == 1
    assert 5 not in real  # class 5 has only 2 < shot + query samples
    x = np.arange(len(Y))
    ((xe, le),) = list(sampler.episodes(x, 1))
    assert xe.shape == (12,)
    loss = kzoo.losses.ProtoTripletLoss(3, 2, 2)
    emb = np.eye(6, dtype="float32")[Y[idx]]
    assert float(keras.ops.convert_to_numpy(loss(lab, emb))) == 0.0
    with pytest.raises(ValueError, match="need"):
        kzoo.data.EpisodeSampler(Y, way=6, shot=2, query=3)

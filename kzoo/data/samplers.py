"""Batch and episode samplers for metric learning (NumPy; backend-neutral)."""

import keras
import numpy as np

from kzoo._validation import check_integer
from kzoo.api_export import kzoo_export


def _labels(labels):
    y = np.asarray(labels)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(
            "`labels` must be one label per sample, shape (n,) or (n, 1). "
            f"Received: labels.shape={y.shape}"
        )
    return y


def _positive(name, value):
    check_integer(name, value)
    if value < 1:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )
    return value


@kzoo_export("kzoo.data.MPerClassSampler")
class MPerClassSampler:
    """Batches of `batch_size // m` classes with `m` samples each.

    Pair- and proxy-based metric losses need several examples of each class
    in a batch; this sampler guarantees it. Each batch draws
    `batch_size // m` distinct classes at random, then `m` samples of each
    (without replacement when a class has at least `m` samples, with
    replacement otherwise). An epoch is `length // batch_size` batches;
    epochs are reproducible from `seed` and differ from one another. Same
    contract as pytorch-metric-learning's `MPerClassSampler`, but yielding
    whole batches of indices.

    Formula:

    ```
    batch = ⋃_{c ∈ C_b} {m samples of class c},  |C_b| = batch_size / m
    ```

    Use it with NumPy (`batches()` / `epoch_indices()`), with
    `keras.utils.PyDataset` (`dataset(x, y)`), or with `tf.data`
    (`tf_dataset(x, y)`, which needs TensorFlow installed whatever the Keras
    backend).

    Args:
        labels: class labels of the dataset, `(n,)`.
        m: samples per class in a batch. Defaults to `4`.
        batch_size: batch size, a multiple of `m`. Defaults to `32`.
        length: samples per epoch. Defaults to `None` (the dataset size).
        seed: integer seed. Defaults to `None` (nondeterministic).

    Example:

    ```python
    sampler = kzoo.data.MPerClassSampler(y, m=4, batch_size=32, seed=0)
    model.fit(sampler.dataset(x, y), epochs=10)
    ```

    References:
        - [Musgrave et al., 2020](https://arxiv.org/abs/2003.08505), A Metric
          Learning Reality Check (pytorch-metric-learning's sampler).
    """

    def __init__(self, labels, m=4, batch_size=32, length=None, seed=None):
        self.labels = _labels(labels)
        self.m = _positive("m", m)
        self.batch_size = _positive("batch_size", batch_size)
        if batch_size % m:
            raise ValueError(
                "`batch_size` must be a multiple of `m`. Received: "
                f"batch_size={batch_size!r}, m={m!r}"
            )
        self.classes, inverse = np.unique(self.labels, return_inverse=True)
        self.per_batch = batch_size // m
        if self.per_batch > len(self.classes):
            raise ValueError(
                f"`batch_size // m` = {self.per_batch} classes per batch, but "
                f"the labels have only {len(self.classes)} classes. Received: "
                f"batch_size={batch_size!r}, m={m!r}"
            )
        self._members = [
            np.flatnonzero(inverse == c) for c in range(len(self.classes))
        ]
        self.length = (
            len(self.labels) if length is None else _positive("length", length)
        )
        if self.length < batch_size:
            raise ValueError(
                "`length` must be at least `batch_size`. Received: "
                f"length={self.length!r}, batch_size={batch_size!r}"
            )
        self.seed = seed
        self._epoch = 0

    def __len__(self):
        """Batches per epoch."""
        return self.length // self.batch_size

    def batches(self, epoch=None):
        """The index batches of one epoch, `[len(self), batch_size]`.

        Args:
            epoch: epoch number (selects the random stream). Defaults to
                `None`: the next epoch.
        """
        if epoch is None:
            epoch = self._epoch
            self._epoch += 1
        rng = np.random.default_rng(
            None if self.seed is None else [self.seed, epoch]
        )
        out = np.empty((len(self), self.batch_size), dtype="int64")
        for b in range(len(self)):
            chosen = rng.choice(
                len(self._members), self.per_batch, replace=False
            )
            parts = []
            for c in chosen:
                members = self._members[c]
                parts.append(
                    rng.choice(members, self.m, replace=len(members) < self.m)
                )
            out[b] = np.concatenate(parts)
        return out

    def epoch_indices(self, epoch=None):
        """The indices of one epoch, flat and in batch order."""
        return self.batches(epoch).reshape(-1)

    def __iter__(self):
        return iter(self.batches())

    def dataset(self, x, y, **kwargs):
        """A `keras.utils.PyDataset` of `(x[batch], y[batch])`.

        Args:
            x: features (array indexable by an index array).
            y: targets.
            **kwargs: `PyDataset` arguments (`workers`, ...).
        """
        return _MPerClassPyDataset(self, x, y, **kwargs)

    def tf_dataset(self, x, y, epochs=None):
        """A `tf.data.Dataset` of `(x[batch], y[batch])` batches.

        Args:
            x: features (NumPy).
            y: targets (NumPy).
            epochs: number of epochs to generate. Defaults to `None`
                (repeat forever; pass `steps_per_epoch=len(sampler)` to fit).
        """
        import tensorflow as tf

        x, y = np.asarray(x), np.asarray(y)

        def gen():
            e = 0
            while epochs is None or e < epochs:
                for idx in self.batches():
                    yield x[idx], y[idx]
                e += 1

        spec = (
            tf.TensorSpec((self.batch_size,) + x.shape[1:], x.dtype),
            tf.TensorSpec((self.batch_size,) + y.shape[1:], y.dtype),
        )
        return tf.data.Dataset.from_generator(gen, output_signature=spec)


class _MPerClassPyDataset(keras.utils.PyDataset):
    def __init__(self, sampler, x, y, **kwargs):
        super().__init__(**kwargs)
        self.sampler, self.x, self.y = sampler, x, y
        self._batches = sampler.batches()

    def __len__(self):
        return len(self.sampler)

    def __getitem__(self, i):
        idx = self._batches[i]
        return self.x[idx], self.y[idx]

    def on_epoch_end(self):
        self._batches = self.sampler.batches()


@kzoo_export("kzoo.data.EpisodeSampler")
class EpisodeSampler:
    """N-way K-shot Q-query episodes over any labeled array.

    Each episode picks `way` classes with at least `shot + query` samples,
    then `shot + query` distinct samples of each. The indices come in the
    layout of `kzoo.losses.ProtoTripletLoss` / `ICNNLoss`: the `way·shot`
    supports first (class-major), then the `way·query` queries
    (class-major); episode labels are `0 … way − 1` in the order the classes
    were drawn.

    Args:
        labels: class labels, `(n,)`.
        way: classes per episode (N).
        shot: supports per class (K).
        query: queries per class (Q).
        seed: integer seed. Defaults to `None`.

    Example:

    ```python
    sampler = kzoo.data.EpisodeSampler(y, way=5, shot=1, query=15, seed=0)
    idx, episode_labels = sampler.sample()
    loss = kzoo.losses.ProtoTripletLoss(5, 1, 15)(episode_labels,
                                                  model(x[idx]))
    ```
    """

    def __init__(self, labels, way, shot, query, seed=None):
        self.labels = _labels(labels)
        self.way = _positive("way", way)
        self.shot = _positive("shot", shot)
        self.query = _positive("query", query)
        classes, counts = np.unique(self.labels, return_counts=True)
        self.classes = classes[counts >= shot + query]
        if len(self.classes) < way:
            raise ValueError(
                f"Only {len(self.classes)} classes have at least shot + query "
                f"= {shot + query} samples; an episode needs way={way!r}."
            )
        self._members = {
            c: np.flatnonzero(self.labels == c) for c in self.classes
        }
        self._rng = np.random.default_rng(seed)
        self.episode_labels = np.concatenate(
            [np.repeat(np.arange(way), shot), np.repeat(np.arange(way), query)]
        ).astype("int32")

    def sample(self):
        """One episode: `(indices, episode_labels)`, each of length
        `way·(shot + query)`."""
        chosen = self._rng.choice(self.classes, self.way, replace=False)
        picks = [
            self._rng.choice(
                self._members[c], self.shot + self.query, replace=False
            )
            for c in chosen
        ]
        support = np.concatenate([p[: self.shot] for p in picks])
        query = np.concatenate([p[self.shot :] for p in picks])
        return np.concatenate([support, query]), self.episode_labels.copy()

    def __iter__(self):
        while True:
            yield self.sample()

    def episodes(self, x, num_episodes):
        """Yield `num_episodes` pairs `(x[indices], episode_labels)`."""
        for _ in range(num_episodes):
            idx, lab = self.sample()
            yield x[idx], lab

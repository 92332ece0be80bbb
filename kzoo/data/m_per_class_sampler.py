"""`MPerClassSampler`: batches of `m` samples per class (NumPy;
backend-neutral)."""

import keras
import numpy as np

from kzoo.api_export import kzoo_export
from kzoo.data._sampling import label_vector
from kzoo.data._sampling import positive_integer


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
        self.labels = label_vector(labels)
        self.m = positive_integer("m", m)
        self.batch_size = positive_integer("batch_size", batch_size)
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
            len(self.labels)
            if length is None
            else positive_integer("length", length)
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

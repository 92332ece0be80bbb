"""`EpisodeSampler`: N-way K-shot Q-query episodes (NumPy;
backend-neutral)."""

import numpy as np

from kzoo.api_export import kzoo_export
from kzoo.data._sampling import label_vector
from kzoo.data._sampling import positive_integer


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
        self.labels = label_vector(labels)
        self.way = positive_integer("way", way)
        self.shot = positive_integer("shot", shot)
        self.query = positive_integer("query", query)
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

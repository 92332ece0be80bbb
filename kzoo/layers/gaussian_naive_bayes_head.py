"""Gaussian naive Bayes with a shared diagonal variance, as a linear head
(Zheng et al., ICML 2023)."""

import keras
import numpy as np
from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import check_integer
from kzoo._validation import check_non_negative
from kzoo.api_export import kzoo_export

# Bias of a class never seen in `fit`: its softmax probability is 0.
_EMPTY_CLASS_BIAS = -1e9


@kzoo_export("kzoo.layers.GaussianNaiveBayesHead")
class GaussianNaiveBayesHead(keras.layers.Layer):
    """Gaussian naive Bayes head: a closed-form, Dense-equivalent classifier.

    The generative counterpart of a logistic-regression (linear) head on
    frozen features: class means and one pooled diagonal variance are
    estimated in closed form by `fit(features, labels)` (no gradient
    descent), and the class posterior is a softmax of linear logits, so the
    layer runs as one matrix product plus a bias and exports to TFLite as a
    `FULLY_CONNECTED` op. Zheng et al. (2023) show naive Bayes needs only
    O(log d) samples per class to approach its asymptotic error against
    O(d) for logistic regression, so it wins with few labels.

    Formula (features x ∈ ℝᵈ, classes k, n_k samples of class k):

    ```
    μ_k   = class mean,  π_k = n_k / n   (or 1/K with fit_prior=False)
    σ²_j  = Σ_k π_k · Var_k(x_j) + ε      (pooled within-class variance,
            = Σ_k Σ_{i∈k} (x_ij − μ_kj)² / n + ε;  Var_k with ddof 0)
    logit_k(x) = log π_k − ½ Σ_j (x_j − μ_kj)² / σ²_j + c(x)
               = x · W_k + b_k,
    W_k = μ_k / σ²,   b_k = log π_k − ½ Σ_j μ_kj² / σ²_j
    ```

    `c(x)` does not depend on k, so `softmax(logits)` is exactly the naive
    Bayes posterior and `argmax` the official `GaussianNB(nb_diag).predict`.
    ε is absolute (official `val_epsilon`, 1e-9), not sklearn's
    `var_smoothing` (relative to the largest variance; sklearn's
    `GaussianNB` also keeps one variance per class, so it is a different
    model).

    Fitting is host-side NumPy (float64 accumulation) on the sufficient
    statistics, stored as non-trainable weights (saved with the model):
    `fit` starts afresh, `partial_fit` merges a new chunk exactly (Chan's
    parallel update of counts, means and within-class sums of squares), so a
    stream of chunks gives the same head as one `fit` on all of them. The
    logits are float32 whatever the dtype policy. Classes never seen get the
    bias −1e9 (probability 0).

    Args:
        num_classes: number of classes K (labels are 0 … K−1).
        epsilon: absolute variance floor ε ≥ 0. Defaults to `1e-9`.
        fit_prior: use the class frequencies as π (official) or a uniform
            prior. Defaults to `True`.
        **kwargs: `keras.layers.Layer` arguments (`name`, ...).

    Example:

    ```python
    head = kzoo.layers.GaussianNaiveBayesHead(num_classes=10)
    head.fit(train_features, train_labels)
    model = keras.Sequential([keras.Input((64,)), head])
    probs = keras.ops.softmax(model(test_features))
    kzoo.export.export_model(model, "nb.tflite")
    ```

    References:
        - [Zheng et al., 2023](https://arxiv.org/abs/2302.02334), Revisiting
          Discriminative vs. Generative Classifiers: Theory and
          Implications, ICML 2023.
    """

    def __init__(self, num_classes, epsilon=1e-9, fit_prior=True, **kwargs):
        super().__init__(**kwargs)
        check_integer("num_classes", num_classes)
        if num_classes < 2:
            raise ValueError(
                "`num_classes` must be at least 2. "
                f"Received: num_classes={num_classes}"
            )
        self.num_classes = num_classes
        self.epsilon = check_non_negative("epsilon", epsilon)
        self.fit_prior = check_bool("fit_prior", fit_prior)

    def build(self, input_shape):
        d = input_shape[-1]
        k = self.num_classes

        def weight(name, shape):
            return self.add_weight(
                name=name,
                shape=shape,
                initializer="zeros",
                trainable=False,
                dtype="float32",
            )

        self.counts = weight("counts", (k,))
        self.means = weight("means", (k, d))
        self.sum_squares = weight("sum_squares", (k, d))
        self.kernel = weight("kernel", (d, k))
        self.bias = weight("bias", (k,))

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        kernel = ops.cast(self.kernel, "float32")
        bias = ops.cast(self.bias, "float32")
        return ops.matmul(x, kernel) + bias

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.num_classes,)

    def compute_output_spec(self, inputs):
        shape = self.compute_output_shape(inputs.shape)
        return keras.KerasTensor(shape, dtype="float32")

    # Host-side fitting ---------------------------------------------------

    def _chunk_statistics(self, features, labels):
        x = np.asarray(keras.ops.convert_to_numpy(features), dtype=np.float64)
        y = np.asarray(keras.ops.convert_to_numpy(labels)).reshape(-1)
        if x.ndim != 2:
            raise ValueError(
                "`features` must be of shape (num_samples, dim). "
                f"Received: features.shape={x.shape}"
            )
        if y.shape[0] != x.shape[0]:
            raise ValueError(
                "`labels` must hold one label per row of `features`. "
                f"Received: labels.shape={y.shape}, features.shape={x.shape}"
            )
        y = y.astype(np.int64)
        if y.size and (y.min() < 0 or y.max() >= self.num_classes):
            raise ValueError(
                f"`labels` must be in [0, {self.num_classes}). "
                f"Received: labels in [{y.min()}, {y.max()}]"
            )
        k = self.num_classes
        counts = np.bincount(y, minlength=k).astype(np.float64)
        sums = np.zeros((k, x.shape[1]))
        np.add.at(sums, y, x)
        means = sums / np.maximum(counts, 1.0)[:, None]
        sq = np.zeros_like(sums)
        np.add.at(sq, y, (x - means[y]) ** 2)
        return counts, means, sq

    def fit(self, features, labels):
        """Fit the head from scratch on `features [n, d]`, `labels [n]`.

        Returns:
            The layer.
        """
        return self._update(features, labels, reset=True)

    def partial_fit(self, features, labels):
        """Merge one more chunk of `features [n, d]`, `labels [n]` into the
        statistics (exact streaming update).

        Returns:
            The layer.
        """
        return self._update(features, labels, reset=False)

    def _update(self, features, labels, reset):
        shape = tuple(np.shape(features))
        if not self.built:
            self.build(shape)
        counts, means, sq = self._chunk_statistics(features, labels)
        if not reset:
            n0 = np.asarray(ops.convert_to_numpy(self.counts), np.float64)
            m0 = np.asarray(ops.convert_to_numpy(self.means), np.float64)
            s0 = np.asarray(ops.convert_to_numpy(self.sum_squares), np.float64)
            total = n0 + counts
            safe = np.maximum(total, 1.0)[:, None]
            delta = means - m0
            means = m0 + delta * (counts[:, None] / safe)
            sq = s0 + sq + delta**2 * (n0 * counts)[:, None] / safe
            counts = total
        self.counts.assign(counts.astype("float32"))
        self.means.assign(means.astype("float32"))
        self.sum_squares.assign(sq.astype("float32"))
        kernel, bias = self._linear_form(counts, means, sq)
        self.kernel.assign(kernel.astype("float32"))
        self.bias.assign(bias.astype("float32"))
        return self

    def _linear_form(self, counts, means, sq):
        n = counts.sum()
        if n <= 0:
            raise ValueError("`fit` needs at least one sample.")
        var = sq.sum(axis=0) / n + self.epsilon
        if np.any(var <= 0):
            raise ValueError(
                "A feature has zero pooled variance and `epsilon` is 0; "
                f"use epsilon > 0. Received: epsilon={self.epsilon}"
            )
        seen = counts > 0
        if self.fit_prior:
            log_prior = np.log(np.where(seen, counts, 1.0) / n)
        else:
            log_prior = np.full(self.num_classes, -np.log(self.num_classes))
        kernel = (means / var).T
        bias = log_prior - 0.5 * np.sum(means**2 / var, axis=1)
        kernel[:, ~seen] = 0.0
        bias[~seen] = _EMPTY_CLASS_BIAS
        return kernel, bias

    @property
    def variance(self):
        """The pooled diagonal variance σ² `[d]` (NumPy), ε included."""
        n = float(np.sum(ops.convert_to_numpy(self.counts)))
        return (
            np.asarray(ops.convert_to_numpy(self.sum_squares)).sum(0) / n
            + self.epsilon
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            num_classes=self.num_classes,
            epsilon=self.epsilon,
            fit_prior=self.fit_prior,
        )
        return config

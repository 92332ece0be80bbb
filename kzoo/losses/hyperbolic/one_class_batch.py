"""The one-class batch layout of Hyp-OC (Narayan & Patel, 2024), shared by
`HypCrossEntropyLoss` and `HypPairwiseConfusionLoss`: the first half of the
rows is real, the second half pseudo-negative (as written by
`kzoo.layers.PseudoNegativeSampler`)."""

from kzoo._docstrings import register_snippet

register_snippet(
    "hyp_oc_batch_level",
    """This is a batch-level loss: it returns one scalar for the
    batch, so `reduction` has no effect, a scalar `sample_weight` scales the
    value and per-sample weights are refused with a `ValueError`.""",
)


def one_class_rows(n_rows, dynamic_rows=None):
    """Half the row count; `dynamic_rows` (a tensor) when the static count
    is unknown (TensorFlow graphs with a partial last batch)."""
    if n_rows is None:
        return dynamic_rows // 2
    if n_rows % 2:
        raise ValueError(
            "With `one_class_batch=True` the batch must hold as many "
            "pseudo-negatives as real rows (an even, static row count). "
            f"Received: {n_rows} rows"
        )
    return n_rows // 2

"""Single-image latency of a `.tflite` model (`kzoo bench-tflite`)."""

import time

import numpy as np

from kzoo.api_export import kzoo_export
from kzoo.export.tflite_model import TFLiteModel


@kzoo_export("kzoo.export.benchmark_tflite")
def benchmark_tflite(path, threads=(1, 2), runs=50, warmup=5, seed=0):
    """Median single-image latency of a TFLite model, per thread count.

    Each thread count gets its own interpreter, fed one random input (batch
    1, the model's input shape, uniform 0–255 for float inputs); `warmup`
    untimed invocations precede `runs` timed ones.

    Args:
        path: the `.tflite` file.
        threads: interpreter thread counts to time. Defaults to `(1, 2)`.
        runs: timed invocations per thread count. Defaults to `50`.
        warmup: untimed invocations first. Defaults to `5`.
        seed: input seed. Defaults to `0`.

    Returns:
        `{threads: {"median_ms", "p10_ms", "p90_ms", "runs"}}`.
    """
    if not isinstance(runs, int) or runs < 1:
        raise ValueError(
            f"`runs` must be a positive integer. Received: runs={runs!r}"
        )
    if not isinstance(warmup, int) or warmup < 0:
        raise ValueError(
            "`warmup` must be a non-negative integer. "
            f"Received: warmup={warmup!r}"
        )
    results = {}
    rng = np.random.default_rng(seed)
    for n in threads:
        model = TFLiteModel(path, num_threads=n)
        shapes = model.input_shape
        shapes = [shapes] if isinstance(shapes, tuple) else shapes
        inputs = [
            rng.uniform(0, 255, (1,) + tuple(s[1:])).astype("float32")
            for s in shapes
        ]
        x = inputs[0] if len(inputs) == 1 else inputs
        for _ in range(warmup):
            model(x)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - start) * 1e3)
        times = np.asarray(times)
        results[int(n)] = {
            "median_ms": float(np.median(times)),
            "p10_ms": float(np.percentile(times, 10)),
            "p90_ms": float(np.percentile(times, 90)),
            "runs": runs,
        }
    return results

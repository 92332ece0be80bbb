"""Benchmark `kzoo.evaluation` on a large gallery: wall time and peak RSS.

Runs `recall_at_k` (k = 1) and `map_at_r` in leave-one-out mode on random
clustered float32 embeddings (by default 50,000 x 512 in 100 classes), and
prints the wall and CPU time of each and the process's peak resident memory
(`resource.getrusage`, so the figure includes Python, NumPy, Keras and the input
arrays). The full similarity matrix would take 10 GB at this size.

    python tools/bench_evaluation.py
    python tools/bench_evaluation.py --num-rows 20000 --chunk-size 1024

Keras is only used to convert backend tensors, so the lightweight `numpy`
backend is selected unless KERAS_BACKEND is already set.
"""

import argparse
import os
import platform
import resource
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "numpy")

import numpy as np  # noqa: E402

from kzoo.evaluation import map_at_r  # noqa: E402
from kzoo.evaluation import recall_at_k  # noqa: E402
from kzoo.evaluation import retrieval  # noqa: E402


def peak_rss_mib():
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 2**10)


def clustered(num_rows, dim, num_classes, noise, seed):
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((num_classes, dim), dtype=np.float32)
    labels = rng.integers(0, num_classes, size=num_rows)
    x = rng.standard_normal((num_rows, dim), dtype=np.float32)
    x *= noise
    x += centers[labels]
    return x, labels


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-rows", type=int, default=50_000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--num-classes", type=int, default=100)
    parser.add_argument("--noise", type=float, default=3.0)
    parser.add_argument(
        "--chunk-size", type=int, default=retrieval.DEFAULT_CHUNK_SIZE
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    print(
        f"kzoo.evaluation benchmark: {args.num_rows} x {args.dim} float32, "
        f"{args.num_classes} classes, chunk_size={args.chunk_size}, "
        f"{os.cpu_count()} CPUs, NumPy {np.__version__}, "
        f"Python {platform.python_version()}, "
        f"KERAS_BACKEND={os.environ['KERAS_BACKEND']}"
    )
    x, y = clustered(
        args.num_rows, args.dim, args.num_classes, args.noise, args.seed
    )
    full = args.num_rows * args.num_rows * 4 / 2**30
    print(f"full similarity matrix would be {full:.1f} GiB")
    print(f"peak RSS after building the data: {peak_rss_mib():.0f} MiB")

    for name, fn, kwargs in (
        ("recall@1", recall_at_k, {"k": 1}),
        ("MAP@R", map_at_r, {}),
    ):
        start, start_cpu = time.perf_counter(), time.process_time()
        value = fn(x, y, chunk_size=args.chunk_size, **kwargs)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - start_cpu
        print(
            f"{name:>9} = {value:.4f}   wall {elapsed:6.1f} s   "
            f"CPU {cpu:6.1f} s   peak RSS so far {peak_rss_mib():.0f} MiB"
        )


if __name__ == "__main__":
    main()

"""Peak memory of NTXentLoss forward + backward, dense vs streamed.

Each configuration runs in its own subprocess (so peak RSS is its own), which
computes the loss and its gradient once on random SimCLR-style data (two
views per id) and reports `resource.getrusage(RUSAGE_SELF).ru_maxrss`, which
includes the Python interpreter, Keras and the backend (a few hundred MB).

    python tools/bench_memory.py                  # B=32768, D=256 streamed;
                                                  # dense up to B=8192
    python tools/bench_memory.py --quick          # B in {2048, 4096}
    python tools/bench_memory.py --backend jax --chunk-size 1024

The dense path holds several B x B float32 matrices (4.3 GB each at
B=32,768), so by default it is measured only up to `--dense-max` and its
peak at larger B is extrapolated from the measured B² growth (marked as
such); `--dense-max 32768` measures it if the machine has the memory.
"""

import argparse
import json
import os
import subprocess
import sys
import time

_CHILD = """
import json, resource, sys, time
import numpy as np
import keras, kzoo
from kzoo.testing import value_and_grad
batch, dim, chunk = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
chunk = None if chunk == "none" else int(chunk)
rng = np.random.default_rng(0)
x = rng.normal(size=(batch, dim)).astype("float32")
y = np.tile(np.arange(batch // 2), 2).astype("int32")
loss = kzoo.losses.NTXentLoss(0.1, chunk_size=chunk)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
value, grad = value_and_grad(lambda t: loss(y, t), x)
wall = time.perf_counter() - t0
assert np.isfinite(value) and np.all(np.isfinite(grad))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"peak_mb": peak / 1024, "baseline_mb": base / 1024,
                  "value": float(value), "seconds": wall}))
"""


def measure(backend, batch, dim, chunk):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(batch), str(dim), str(chunk)],
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1][:200]}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["total_s"] = time.perf_counter() - t0
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="torch")
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--chunk-size", type=int, default=512)
    parser.add_argument("--batch-sizes", default="2048,8192,32768")
    parser.add_argument("--dense-max", type=int, default=8192)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--output", default=None, help="append a Markdown table"
    )
    args = parser.parse_args(argv)
    batches = [int(b) for b in args.batch_sizes.split(",")]
    if args.quick:
        batches = [2048, 4096]
    rows = []
    dense_fit = None
    for batch in batches:
        for mode in ("dense", "streamed"):
            chunk = "none" if mode == "dense" else args.chunk_size
            if mode == "dense" and batch > args.dense_max:
                if dense_fit is None:
                    continue
                b0, extra0 = dense_fit
                est = extra0 * (batch / b0) ** 2
                rows.append(
                    (
                        batch,
                        mode,
                        f"~{est / 1024:.1f} GB above "
                        "baseline (extrapolated, B²)",
                        "",
                        "",
                    )
                )
                continue
            r = measure(args.backend, batch, args.dim, chunk)
            if "error" in r:
                rows.append((batch, mode, "error: " + r["error"], "", ""))
                continue
            if mode == "dense":
                dense_fit = (batch, r["peak_mb"] - r["baseline_mb"])
            rows.append(
                (
                    batch,
                    mode if mode == "dense" else f"streamed ({chunk})",
                    f"{r['peak_mb']:.0f} MB",
                    f"{r['baseline_mb']:.0f} MB",
                    f"{r['seconds']:.1f} s",
                )
            )
            print(rows[-1], file=sys.stderr, flush=True)
    lines = [
        f"NTXentLoss forward + backward, backend {args.backend}, "
        f"D={args.dim} (peak RSS of one subprocess per row; baseline = RSS "
        "after imports and data).",
        "",
        "| B | path | peak RSS | baseline | time |",
        "|---:|---|---:|---:|---:|",
    ]
    lines += [
        f"| {b} | {m} | {p} | {base} | {t} |" for b, m, p, base, t in rows
    ]
    text = "\n".join(lines)
    print(text)
    if args.output:
        with open(args.output, "a") as f:
            f.write("\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

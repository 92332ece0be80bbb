"""Speed benchmark of kzoo's pairwise losses against each backend's floor.

For every backend (one subprocess each: `KERAS_BACKEND` is fixed per
process), every batch size B and embedding dimension D, this times one
forward + backward pass of

- `floor`: the backend's own similarity-matrix floor, written with plain
  `keras.ops`: `x̂ = l2_normalize(x)`, `S = x̂ @ x̂ᵀ`, value `Σ S ⊙ G` for a
  fixed random `G` (so the backward pass is the backend's own autodiff of
  normalize + matmul);
- `MultiSimilarityLoss` (with its built-in miner, ε = 0.1) on labels with 4
  samples per class, and `NTXentLoss` (τ = 0.07) on SimCLR-style labels (two
  views per id);
- the peers, in the torch process (interleaved with torch's own cases):
  pytorch-metric-learning's `MultiSimilarityLoss`
  with `MultiSimilarityMiner(0.1)` and `NTXentLoss(0.07)`, and libauc's
  `GCLoss_v1` (SogCLR's global contrastive loss, the libauc counterpart of
  NT-Xent, on the two halves of the batch as the two views).

Compiled as each backend compiles a training step: `jax.jit` of
`jax.value_and_grad`, `tf.function(jit_compile=True)` around a
`GradientTape`, torch eager, and `torch.compile` (inductor) of the forward.

Timing is interleaved: each round times every case once, in a rotating order,
and a loss's ratio to the floor (or, on torch, to a peer) is the median over
rounds of the ratio within a round, so a load change on a shared machine moves
both sides of a ratio together. Times are medians over rounds. The peers run
only in the torch process (next to XLA's thread pool torch ran several times
slower); the JAX and TensorFlow ratios to a peer divide medians taken in two
processes.

The parent process writes `docs/benchmarks.md` (machine, versions, tables,
targets) and a PNG plot of time against batch size.

Run it as `python tools/bench.py`. It needs the test extra's peers
(pytorch-metric-learning, libauc), which is why it is a tool and not part of
the library.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

BACKENDS = ("jax", "tensorflow", "torch")
LOSSES = ("MultiSimilarityLoss", "NTXentLoss")
PEERS = {
    "MultiSimilarityLoss": ("pml:MultiSimilarityLoss",),
    "NTXentLoss": ("pml:NTXentLoss", "libauc:GCLoss_v1"),
}
TARGET = (1024, 512)
# pytorch-metric-learning's NTXentLoss multiplies a (positive pairs x
# negative pairs) matrix: B * B * (B - 2) floats, several copies.
PML_NTXENT_MAX_BATCH = 256


# ----------------------------------------------------------------------------
# worker side: one backend per process


def _labels(kind, batch):
    import numpy as np

    if kind == "views":  # SimCLR: two views per id
        return np.tile(np.arange(batch // 2), 2).astype("int32")
    return np.repeat(np.arange(batch // 4), 4).astype("int32")  # 4 per class


def _kzoo_fns(backend):
    """name -> (label kind, function(x, y, G) -> scalar), plain keras.ops."""
    from keras import ops

    import kzoo

    def floor(x, y, g):
        xn = kzoo.ops.l2_normalize(x)
        return ops.sum(ops.matmul(xn, ops.transpose(xn)) * g)

    def kzoo_similarity(x, y, g):
        return ops.sum(kzoo.ops.pairwise_cosine_similarity(x) * g)

    ms = kzoo.losses.MultiSimilarityLoss()
    ntx = kzoo.losses.NTXentLoss(temperature=0.07)
    return {
        "floor": ("classes", floor),
        "kzoo_similarity": ("classes", kzoo_similarity),
        "MultiSimilarityLoss": ("classes", lambda x, y, g: ms(y, x)),
        "NTXentLoss": ("views", lambda x, y, g: ntx(y, x)),
    }


def _compile_step(backend, mode, fn):
    """A training-step callable `step(x, y, g)` that blocks until done."""
    if backend == "jax":
        import jax

        vg = jax.jit(jax.value_and_grad(fn))

        def step(x, y, g):
            v, d = vg(x, y, g)
            d.block_until_ready()

        return step
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function(jit_compile=True)
        def tf_step(x, y, g):
            with tf.GradientTape() as tape:
                tape.watch(x)
                v = fn(x, y, g)
            return v, tape.gradient(v, x)

        def step(x, y, g):
            v, d = tf_step(x, y, g)
            d.numpy()

        return step
    import torch

    f = torch.compile(fn, dynamic=False) if mode == "compile" else fn

    def step(x, y, g):
        x = x.detach().requires_grad_(True)
        f(x, y, g).backward()
        return x.grad

    return step


def _to_backend(backend, a):
    if backend == "jax":
        import jax.numpy as jnp

        return jnp.asarray(a)
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.constant(a)
    import torch

    return torch.from_numpy(a)


def _peer_steps(batch, names):
    import torch

    steps = {}
    if "pml:MultiSimilarityLoss" in names:
        from pytorch_metric_learning import losses
        from pytorch_metric_learning import miners

        loss = losses.MultiSimilarityLoss(alpha=2, beta=50, base=0.5)
        miner = miners.MultiSimilarityMiner(epsilon=0.1)
        y = torch.from_numpy(_labels("classes", batch).astype("int64"))

        def pml_ms(x):
            x = x.detach().requires_grad_(True)
            loss(x, y, miner(x, y)).backward()

        steps["pml:MultiSimilarityLoss"] = pml_ms
    if "pml:NTXentLoss" in names and batch <= PML_NTXENT_MAX_BATCH:
        from pytorch_metric_learning import losses

        loss_n = losses.NTXentLoss(temperature=0.07)
        yv = torch.from_numpy(_labels("views", batch).astype("int64"))

        def pml_ntx(x):
            x = x.detach().requires_grad_(True)
            loss_n(x, yv).backward()

        steps["pml:NTXentLoss"] = pml_ntx
    if "libauc:GCLoss_v1" in names:
        import contextlib
        import io

        from libauc.losses import GCLoss_v1

        with contextlib.redirect_stdout(io.StringIO()):
            gcl = GCLoss_v1(N=batch // 2, tau=0.07, device="cpu")
        index = torch.arange(batch // 2)

        def libauc_gcl(x):
            x = x.detach().requires_grad_(True)
            h = batch // 2
            gcl(x[:h], x[h:], index).backward()

        steps["libauc:GCLoss_v1"] = libauc_gcl
    return steps


def _time_cases(cases, min_rounds, max_rounds, budget_s):
    """Interleaved timing: {name: [seconds per round]}."""
    names = list(cases)
    times = {n: [] for n in names}
    start = time.perf_counter()
    rounds = 0
    while rounds < max_rounds:
        order = names[rounds % len(names) :] + names[: rounds % len(names)]
        for n in order:
            t0 = time.perf_counter()
            cases[n]()
            times[n].append(time.perf_counter() - t0)
        rounds += 1
        if rounds >= min_rounds and time.perf_counter() - start >= budget_s:
            break
    return times


def _paired_ratio(num, den):
    return statistics.median(a / b for a, b in zip(num, den))


def run_worker(config):
    """Time every case on this process's backend; returns a JSON-able dict."""
    import keras
    import numpy as np

    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        torch.set_grad_enabled(True)
    fns = _kzoo_fns(backend)
    modes = {"jax": ["jit"], "tensorflow": ["xla"], "torch": ["eager"]}[backend]
    results = []
    for batch, dim in config["shapes"]:
        rng = np.random.default_rng(batch + dim)
        x = rng.normal(size=(batch, dim)).astype("float32")
        g = rng.normal(size=(batch, batch)).astype("float32")
        bx, bg = _to_backend(backend, x), _to_backend(backend, g)
        by = {
            k: _to_backend(backend, _labels(k, batch))
            for k in ("classes", "views")
        }
        shape_modes = list(modes)
        if backend == "torch" and (
            config["torch_compile"] == "all"
            or (config["torch_compile"] == "target" and (batch, dim) == TARGET)
        ):
            shape_modes.append("compile")
        cases, compile_s = {}, {}
        for mode in shape_modes:
            for name, (kind, fn) in fns.items():
                step = _compile_step(backend, mode, fn)
                key = f"{mode}:{name}"
                t0 = time.perf_counter()
                try:
                    step(bx, by[kind], bg)
                    step(bx, by[kind], bg)
                except Exception as e:  # report, keep benchmarking
                    results.append(
                        {
                            "batch": batch,
                            "dim": dim,
                            "case": key,
                            "error": f"{type(e).__name__}: {e}"[:300],
                        }
                    )
                    continue
                compile_s[key] = time.perf_counter() - t0
                cases[key] = lambda s=step, k=kind: s(bx, by[k], bg)
        if config["peers"] and backend == "torch":
            # Peers share a process with torch only: next to XLA's thread
            # pool (JAX, TensorFlow) torch's threads were measured several
            # times slower, which would flatter kzoo.

            torch_x = bx
            wanted = [p for ps in PEERS.values() for p in ps]
            for name, step in _peer_steps(batch, wanted).items():
                step(torch_x)
                cases[name] = lambda s=step: s(torch_x)
        times = _time_cases(
            cases,
            config["min_rounds"],
            config["max_rounds"],
            config["budget_s"],
        )
        for key, ts in times.items():
            row = {
                "batch": batch,
                "dim": dim,
                "case": key,
                "median_ms": 1e3 * statistics.median(ts),
                "rounds": len(ts),
                "compile_s": compile_s.get(key),
            }
            mode = key.split(":")[0]
            floor_key = f"{mode}:floor"
            if key.split(":")[-1] in LOSSES and floor_key in times:
                row["ratio_to_floor"] = _paired_ratio(ts, times[floor_key])
                for peer in PEERS[key.split(":")[-1]]:
                    if peer in times:
                        row[f"ratio_to_{peer}"] = _paired_ratio(ts, times[peer])
            results.append(row)
        print(
            f"[{backend}] B={batch} D={dim}: "
            + ", ".join(
                f"{k}={1e3 * statistics.median(v):.1f}ms"
                for k, v in times.items()
            ),
            file=sys.stderr,
            flush=True,
        )
    return {"backend": backend, "rows": results, "versions": _versions()}


# ----------------------------------------------------------------------------
# parent side


def _versions():
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in (
        "keras",
        "jax",
        "jaxlib",
        "tensorflow",
        "tensorflow-cpu",
        "torch",
        "numpy",
        "pytorch-metric-learning",
        "libauc",
    ):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def _machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "loadavg_start": os.getloadavg(),
    }


def _run_backend(backend, config, timeout):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        json.dumps(config),
    ]
    proc = subprocess.run(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=None,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        return {"backend": backend, "rows": [], "error": proc.returncode}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _cross_process_peer_ratios(results):
    """Ratios to the peers for JAX and TensorFlow rows, from the torch
    worker's peer medians (a different process, run minutes apart)."""
    peer_ms = {}
    for res in results:
        if res["backend"] != "torch":
            continue
        for r in res["rows"]:
            if r["case"].startswith(("pml:", "libauc:")) and "median_ms" in r:
                peer_ms[(r["batch"], r["dim"], r["case"])] = r["median_ms"]
    for res in results:
        if res["backend"] == "torch":
            continue
        for r in res["rows"]:
            loss = r["case"].split(":")[-1]
            if loss not in PEERS or "median_ms" not in r:
                continue
            for peer in PEERS[loss]:
                ms = peer_ms.get((r["batch"], r["dim"], peer))
                if ms:
                    r[f"ratio_to_{peer}"] = r["median_ms"] / ms


def _fmt(v, spec=".1f"):
    return "—" if v is None else format(v, spec)


def _targets(results):
    """The issue's speed targets at B=1024, D=512, as table rows."""
    b, d = TARGET
    rows, best = [], {}
    for res in results:
        for r in res["rows"]:
            if (r["batch"], r["dim"]) != TARGET or "ratio_to_floor" not in r:
                continue
            mode, loss = r["case"].split(":")
            peer = r.get(f"ratio_to_{PEERS[loss][0]}")
            rows.append((res["backend"], mode, loss, r, peer))
            cur = best.get(loss)
            if cur is None or r["median_ms"] < cur[3]["median_ms"]:
                best[loss] = (res["backend"], mode, loss, r, peer)
    lines = [
        f"Targets at B={b}, D={d} (forward + backward): every backend ≤ 2× "
        "its own floor; the fastest ≤ 1.3× its floor and ≤ 0.2× "
        "pytorch-metric-learning's time (same process on torch; medians of "
        "two processes for JAX and TensorFlow).",
        "",
        "| backend | mode | loss | ms | × floor | ≤ 2× | × PML | fastest |",
        "|---|---|---|---:|---:|:-:|---:|:-:|",
    ]
    for backend, mode, loss, r, peer in rows:
        fastest = best[loss][:3] == (backend, mode, loss)
        mark = ""
        if fastest:
            ok13 = r["ratio_to_floor"] <= 1.3
            ok02 = peer is not None and peer <= 0.2
            mark = f"≤1.3×: {'yes' if ok13 else 'NO'}; ≤0.2× PML: " + (
                "n/a" if peer is None else ("yes" if ok02 else "NO")
            )
        lines.append(
            f"| {backend} | {mode} | {loss} | {r['median_ms']:.1f} | "
            f"{r['ratio_to_floor']:.2f} | "
            f"{'yes' if r['ratio_to_floor'] <= 2 else 'NO'} | "
            f"{_fmt(peer, '.2f')} | {mark} |"
        )
    return lines


def write_report(results, machine, args, wall_s, path):
    versions = {}
    for res in results:
        versions.update(res.get("versions", {}))
    lines = [
        "# Benchmarks",
        "",
        "Generated by `python tools/bench.py"
        + (" --quick" if args.quick else "")
        + "`. One forward + backward pass per "
        "measurement; times are medians over interleaved rounds, ratios are "
        "medians of per-round ratios (see `tools/bench_harness.py`).",
        "",
        f"- machine: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['platform']}",
        f"- load average at start {machine['loadavg_start'][0]:.1f}, "
        f"at end {machine['loadavg_end'][0]:.1f}; total wall time "
        f"{wall_s:.0f} s",
        "- versions: "
        + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())),
    ]
    if args.note:
        lines += ["", f"**Note:** {args.note}"]
    lines += [
        "",
        "`floor` is normalize + `x @ x.T` and its backward through the "
        "backend's own autodiff (three B×B×D products). "
        "`kzoo_similarity` is `kzoo.ops.pairwise_cosine_similarity`, whose "
        "custom backward `(G + Gᵀ) x̂` needs one product instead of two, "
        "which is why a kzoo loss can come in under the floor.",
        "",
        "## Targets",
        "",
        *_targets(results),
        "",
        "## All timings",
        "",
        "| backend | B | D | case | ms | × floor | × PML | × libauc |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for res in results:
        for r in res["rows"]:
            if "error" in r:
                lines.append(
                    f"| {res['backend']} | {r['batch']} | {r['dim']} | "
                    f"{r['case']} | error: {r['error'][:80]} | | | |"
                )
                continue
            loss = r["case"].split(":")[-1]
            pml = libauc = None
            if loss in PEERS:
                pml = r.get(f"ratio_to_{PEERS[loss][0]}")
                if len(PEERS[loss]) > 1:
                    libauc = r.get(f"ratio_to_{PEERS[loss][1]}")
            lines.append(
                f"| {res['backend']} | {r['batch']} | {r['dim']} | "
                f"{r['case']} | {r['median_ms']:.1f} | "
                f"{_fmt(r.get('ratio_to_floor'), '.2f')} | "
                f"{_fmt(pml, '.2f')} | {_fmt(libauc, '.2f')} |"
            )
    lines += [
        "",
        "pytorch-metric-learning's `NTXentLoss` is timed only up to "
        f"B={PML_NTXENT_MAX_BATCH}: it builds a (positive pairs × negative "
        "pairs) matrix, B·B·(B−2) floats (4.3 GB per copy at B=1024), "
        "and runs out of memory beyond.",
        "",
        "![time vs batch size](benchmarks.png)",
        "",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dims = sorted({r["dim"] for res in results for r in res["rows"]})
    fig, axes = plt.subplots(
        1, len(dims), figsize=(6 * len(dims), 4.5), squeeze=False
    )
    for ax, dim in zip(axes[0], dims):
        series = {}
        for res in results:
            for r in res["rows"]:
                if r["dim"] != dim or "median_ms" not in r:
                    continue
                case = r["case"]
                if case.endswith("kzoo_similarity"):
                    continue
                label = f"{res['backend']} {case}"
                if case.startswith(("pml", "libauc")):
                    if res["backend"] != "torch":
                        continue  # the peers are also timed in jax/tf runs
                    label = case
                series.setdefault(label, []).append(
                    (r["batch"], r["median_ms"])
                )
        for label, pts in sorted(series.items()):
            pts.sort()
            style = "--" if "floor" in label else "-"
            ax.plot(*zip(*pts), style, marker="o", label=label, ms=3)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("batch size B")
        ax.set_ylabel("forward + backward (ms)")
        ax.set_title(f"D = {dim}")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][-1].legend(fontsize=6, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def add_arguments(parser):
    parser.add_argument(
        "--quick",
        action="store_true",
        help="B in {256, 1024}, D = 512, fewer rounds (about 2 minutes)",
    )
    parser.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help="comma-separated backends (default: all three)",
    )
    parser.add_argument(
        "--batch-sizes", default="256,1024,4096", help="default: 256,1024,4096"
    )
    parser.add_argument("--dims", default="128,512", help="default: 128,512")
    parser.add_argument(
        "--torch-compile",
        choices=("none", "target", "all"),
        default="target",
        help="time torch.compile too: nowhere, at B=1024 D=512 only "
        "(default; inductor compiles are slow on 2 cores), or everywhere",
    )
    parser.add_argument(
        "--no-peers",
        action="store_true",
        help="skip pytorch-metric-learning and libauc",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        help="seconds of timing per (backend, shape) after the minimum "
        "number of rounds (default 6, or 2 with --quick)",
    )
    parser.add_argument(
        "--output",
        default="docs/benchmarks.md",
        help="the Markdown report; the plot and raw JSON go beside it",
    )
    parser.add_argument(
        "--note", default="", help="a sentence added to the report"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)


def run(args):
    if args.worker:
        print(json.dumps(run_worker(json.loads(args.worker))))
        return 0
    batches = [int(b) for b in args.batch_sizes.split(",")]
    dims = [int(d) for d in args.dims.split(",")]
    if args.quick:
        batches, dims = [256, 1024], [512]
    budget = args.budget
    if budget is None:
        budget = 2.0 if args.quick else 6.0
    config = {
        "shapes": [(b, d) for d in dims for b in batches],
        "torch_compile": args.torch_compile,
        "peers": not args.no_peers,
        "min_rounds": 5 if args.quick else 7,
        "max_rounds": 15 if args.quick else 25,
        "budget_s": budget,
    }
    machine = _machine()
    start = time.perf_counter()
    results = []
    for backend in args.backends.split(","):
        print(f"benchmarking {backend} ...", file=sys.stderr, flush=True)
        results.append(_run_backend(backend, config, timeout=1800))
    wall = time.perf_counter() - start
    _cross_process_peer_ratios(results)
    machine["loadavg_end"] = os.getloadavg()
    out = args.output
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    stem = os.path.splitext(out)[0]
    with open(stem + ".json", "w") as f:
        json.dump(
            {"machine": machine, "config": config, "results": results},
            f,
            indent=1,
        )
    try:
        plot(results, stem + ".png")
    except ImportError:
        print("matplotlib missing: no plot", file=sys.stderr)
    write_report(results, machine, args, wall, out)
    print("\n".join(_targets(results)))
    print(f"wrote {out} in {wall:.0f} s")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python tools/bench.py", description=__doc__.splitlines()[0]
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

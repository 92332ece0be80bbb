"""`kzoo bench-tflite MODEL.tflite`: median single-image latency."""

import json
import os


def add_arguments(parser):
    parser.add_argument("model", help="the .tflite file")
    parser.add_argument(
        "--threads",
        type=int,
        nargs="+",
        default=[1, 2],
        help="interpreter thread counts (default: 1 2)",
    )
    parser.add_argument("--runs", type=int, default=50, help="default: 50")
    parser.add_argument("--warmup", type=int, default=5, help="default: 5")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args):
    from kzoo.export.benchmark import benchmark_tflite

    if not os.path.isfile(args.model):
        raise FileNotFoundError(f"No such file: {args.model!r}")
    results = benchmark_tflite(
        args.model, threads=args.threads, runs=args.runs, warmup=args.warmup
    )
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    size = os.path.getsize(args.model)
    print(f"{args.model} ({size / 1e6:.2f} MB), batch 1, {args.runs} runs")
    for n, r in results.items():
        print(
            f"  {n} thread{'s' if n > 1 else ' '}: median {r['median_ms']:.2f}"
            f" ms (p10 {r['p10_ms']:.2f}, p90 {r['p90_ms']:.2f})"
        )
    return 0

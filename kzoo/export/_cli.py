"""`kzoo export`: the command-line front end of `kzoo.export.export_model`."""

import json
import os


def add_arguments(parser):
    parser.add_argument(
        "model",
        help="the .keras file, preset folder or registered preset name to "
        "export",
    )
    parser.add_argument(
        "--format",
        choices=("tf_saved_model", "tflite"),
        default="tflite",
        help="artifact format (default: tflite)",
    )
    parser.add_argument(
        "--quantize",
        choices=("dynamic", "int8"),
        default=None,
        help="TFLite quantization: dynamic (int8 weights) or int8 (int8 "
        "weights and activations, float32 I/O; needs --representative)",
    )
    parser.add_argument(
        "--representative",
        metavar="DATA.npy",
        help="calibration inputs for --quantize int8 (first axis = samples)",
    )
    parser.add_argument(
        "--sample-input",
        metavar="DATA.npy",
        help="inputs for the check (default: the first rows of "
        "--representative, else 4 random normal samples)",
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="PATH",
        help="the .tflite file or SavedModel directory to write",
    )
    parser.add_argument(
        "--no-check",
        action="store_true",
        help="skip comparing the exported artifact with Keras",
    )
    parser.add_argument(
        "--json-report",
        metavar="FILE",
        help="also write the report (or the error) to this JSON file",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="print nothing on success"
    )


def _write_json(path, payload):
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    with open(path, "w") as f:
        json.dump(payload, f, indent=2)
        f.write("\n")


def run(args):
    from kzoo.cli import USER_ERRORS
    from kzoo.export import exporter
    from kzoo.export.export_report import format_summary

    try:
        report = exporter._export(
            args.model,
            args.output,
            args.format,
            quantize=args.quantize,
            representative_data=args.representative,
            sample_input=args.sample_input,
            check=not args.no_check,
        )
    except USER_ERRORS as e:
        if args.json_report:
            error = {"type": type(e).__name__, "message": str(e)}
            _write_json(args.json_report, {"error": error})
        raise
    if args.json_report:
        _write_json(args.json_report, report.to_dict())
    if not args.quiet:
        print(format_summary(report), flush=True)
    return 0

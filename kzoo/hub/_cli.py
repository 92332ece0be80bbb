"""`kzoo presets`: list the registered pretrained presets."""

import json


def add_arguments(parser):
    parser.add_argument(
        "--json", action="store_true", help="print the registry as JSON"
    )


def run(args):
    # The applications' registries are read here, as JSON (kzoo.hub).
    from kzoo.hub import list_presets

    presets = list_presets()
    if args.json:
        print(json.dumps([p.to_json() for p in presets], indent=2))
        return 0
    if not presets:
        print("No presets are registered.")
        return 0
    width = max(len(p.name) for p in presets)
    for p in presets:
        size = p.size
        size_text = f"{size / 1e6:7.2f} MB" if size else "      ? MB"
        print(f"{p.name:<{width}}  {size_text}  {p.description}")
        for key in sorted(p.metadata):
            if key != "size_bytes":
                print(f"{'':<{width}}    {key}: {p.metadata[key]}")
    return 0

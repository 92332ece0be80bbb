"""Shared helpers of the reproduction scripts (Markdown fragment writer)."""

import os
import sys

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)


def write_fragment(stem, title, command, backend, table, verdict, notes=""):
    """Write `docs/results/<stem>.md` and print it."""
    lines = [
        f"### {title}",
        "",
        f"Command: `{command}` (backend: {backend}).",
        "",
        *table,
        "",
    ]
    if notes:
        lines += [notes, ""]
    lines.append(f"Verdict — {verdict}")
    text = "\n".join(lines) + "\n"
    path = os.path.join(ROOT, "docs", "results", f"{stem}.md")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    sys.stdout.write(text)
    return path


def markdown_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out

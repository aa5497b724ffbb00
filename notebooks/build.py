"""Builds the notebooks (`notebooks/*.ipynb`) from their keras-io style sources (`notebooks/src/*.py`).

The sources are what is reviewed and edited; the `.ipynb` files are what users open.
A source file is plain Python in the keras-io example format:

- the first `\"\"\"` block is the header: `Title:`, `Author:`, `Date created:`, `Last
  modified:`, `Description:` lines, then (after a blank line) free Markdown;
- every later top-level block that starts with a line `\"\"\"` and ends with a line
  `\"\"\"` is a Markdown cell;
- the code between two Markdown cells is one code cell; a line `# %%` splits it further.

Notebooks are written without outputs or execution counts and with stable cell ids,
so rebuilding an unchanged source gives a byte-identical file.

Usage:
    python notebooks/build.py           # rewrite every notebooks/<name>.ipynb
    python notebooks/build.py --check   # exit 1 if any notebook differs from its source
"""

import argparse
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
SOURCES = HERE / "src"
FENCE = '"""'
HEADER_KEYS = ("Title", "Author", "Date created", "Last modified", "Description")


def parse_source(text):
    """Splits keras-io style source text into `[(cell_type, source), ...]`."""
    lines = text.splitlines()
    cells, code, index = [], [], 0
    while index < len(lines):
        line = lines[index]
        if line.rstrip() == FENCE:
            end = index + 1
            while end < len(lines) and lines[end].rstrip() != FENCE:
                end += 1
            if end == len(lines):
                raise ValueError(f"line {index + 1}: unterminated {FENCE} block")
            _flush_code(code, cells)
            code = []
            cells.append(("markdown", "\n".join(lines[index + 1:end]).strip("\n")))
            index = end + 1
            continue
        if line.rstrip() == "# %%":
            _flush_code(code, cells)
            code = []
        else:
            code.append(line)
        index += 1
    _flush_code(code, cells)
    if not cells or cells[0][0] != "markdown":
        raise ValueError(f"a source must start with a {FENCE} header block")
    cells[0] = ("markdown", render_header(cells[0][1]))
    return cells


def _flush_code(lines, cells):
    source = "\n".join(lines).strip("\n")
    if source.strip():
        cells.append(("code", source))


def render_header(block):
    """`Title: X` / `Author: Y` ... lines (then free Markdown) as the notebook's title cell."""
    fields, rest = {}, []
    lines = block.splitlines()
    for position, line in enumerate(lines):
        key, sep, value = line.partition(":")
        if sep and key.strip() in HEADER_KEYS and not rest:
            fields[key.strip()] = value.strip()
        else:
            rest = lines[position:]
            break
    if "Title" not in fields:
        raise ValueError("the header block needs a 'Title:' line")
    out = [f"# {fields['Title']}", ""]
    for key in HEADER_KEYS[1:]:
        if key in fields:
            out.append(f"**{key}:** {fields[key]}<br>")
    if out[-1].endswith("<br>"):
        out[-1] = out[-1][:-4]
    body = "\n".join(rest).strip("\n")
    if body:
        out += ["", body]
    return "\n".join(out)


def to_notebook(cells, name):
    """A nbformat 4.5 notebook dict with no outputs and stable cell ids."""
    notebook_cells = []
    for number, (cell_type, source) in enumerate(cells):
        cell = {
            "cell_type": cell_type,
            "id": f"{name[:40]}-{number:03d}",
            "metadata": {},
            "source": source.splitlines(keepends=True),
        }
        if cell_type == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        notebook_cells.append(cell)
    return {
        "cells": notebook_cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def render(source_path):
    """The `.ipynb` text built from one source file."""
    source_path = pathlib.Path(source_path)
    notebook = to_notebook(parse_source(source_path.read_text(encoding="utf-8")), source_path.stem)
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def targets():
    """`[(source, notebook), ...]` for every source file."""
    return [(path, HERE / f"{path.stem}.ipynb") for path in sorted(SOURCES.glob("*.py"))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a notebook is missing or out of date")
    args = parser.parse_args(argv)
    stale = []
    for source, notebook in targets():
        text = render(source)
        current = notebook.read_text(encoding="utf-8") if notebook.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(notebook.name)
        else:
            notebook.write_text(text, encoding="utf-8")
            print(f"wrote {notebook.relative_to(HERE.parent)}")
    if stale:
        print("out of date (run python notebooks/build.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

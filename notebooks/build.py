"""Builds the notebooks (`notebooks/*.ipynb`) from their keras-io style sources (`notebooks/src/*.py`).

The sources are what is reviewed and edited; the `.ipynb` files are what users open.
A source file is plain Python in the keras-io example format:

- the first `\"\"\"` block is the header: `Title:`, `Author:`, `Date created:`, `Last
  modified:`, `Description:` lines, then (after a blank line) free Markdown;
- every later top-level block that starts with a line `\"\"\"` and ends with a line
  `\"\"\"` is a Markdown cell;
- the code between two Markdown cells is one code cell; a line `# %%` splits it further.

Cells get stable ids. A notebook whose cells already equal its source is left as it
is, outputs included. When only Markdown changed (the code cells are the same, in
the same order), the code cells keep their outputs, which still come from running
exactly this code; otherwise the notebook is rewritten without outputs.
`--execute` runs notebooks top to bottom in a Jupyter kernel (full size unless told
otherwise) and keeps their outputs, so the committed notebooks show a real run; the
size and the run time are recorded in the notebook's metadata (`keras_o2v`).

Usage:
    python notebooks/build.py                      # bring every notebook in line with its source
    python notebooks/build.py --check              # exit 1 if a notebook's cells differ from its source
    python notebooks/build.py --execute [NAME ...] # also run them (O2V_NOTEBOOK_SIZE=full) and keep outputs
"""

import argparse
import json
import os
import pathlib
import sys
import time

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
    """The notebook dict built from one source file (no outputs)."""
    source_path = pathlib.Path(source_path)
    return to_notebook(parse_source(source_path.read_text(encoding="utf-8")), source_path.stem)


def dumps(notebook):
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def cell_signature(notebook):
    """What must match the source: each cell's type, id and text (outputs are ignored)."""
    return [(cell["cell_type"], cell["id"], "".join(cell["source"])) for cell in notebook["cells"]]


def code_sources(notebook):
    return ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]


def carry_outputs(current, built):
    """`built` with `current`'s outputs when both have the same code cells, in order."""
    if current is None or code_sources(current) != code_sources(built):
        return built
    ran = iter(cell for cell in current["cells"] if cell["cell_type"] == "code")
    for cell in built["cells"]:
        if cell["cell_type"] == "code":
            old = next(ran)
            cell["execution_count"], cell["outputs"] = old["execution_count"], old["outputs"]
    if "keras_o2v" in current["metadata"]:
        built["metadata"]["keras_o2v"] = current["metadata"]["keras_o2v"]
    return built


def targets():
    """`[(source, notebook), ...]` for every source file."""
    return [(path, HERE / f"{path.stem}.ipynb") for path in sorted(SOURCES.glob("*.py"))]


def execute(notebook, size):
    """Runs `notebook` top to bottom in a fresh kernel at `size`; returns it with outputs."""
    import nbclient
    import nbformat

    os.environ["O2V_NOTEBOOK_SIZE"] = size
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    node = nbformat.reads(json.dumps(notebook), as_version=4)  # joins list-of-lines sources
    client = nbclient.NotebookClient(node, timeout=3 * 3600, kernel_name="python3",
                                     record_timing=False,
                                     resources={"metadata": {"path": str(HERE)}})
    started = time.perf_counter()
    client.execute()
    result = json.loads(nbformat.writes(node))
    result["metadata"]["keras_o2v"] = {"size": size,
                                       "seconds": round(time.perf_counter() - started)}
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a notebook is missing or out of date")
    parser.add_argument("--execute", nargs="*", metavar="NAME",
                        help="run these notebooks (default: all) and keep their outputs")
    parser.add_argument("--size", default="full", choices=["full", "small"],
                        help="O2V_NOTEBOOK_SIZE for --execute (default full)")
    args = parser.parse_args(argv)
    stale = []
    for source, path in targets():
        built = render(source)
        current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        run = args.execute is not None and (not args.execute or source.stem in args.execute)
        if current is not None and cell_signature(current) == cell_signature(built) and not run:
            continue
        if args.check:
            stale.append(path.name)
            continue
        if run:
            print(f"running {path.name} ({args.size}) ...", flush=True)
            built = execute(built, args.size)
        else:
            built = carry_outputs(current, built)
        path.write_text(dumps(built), encoding="utf-8")
        print(f"wrote {path.relative_to(HERE.parent)}")
    if stale:
        print("out of date (run python notebooks/build.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

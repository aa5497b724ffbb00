"""Reading raw pair records from JSON Lines or TSV (with or without a header row), streaming."""

import json
import os

from keras_o2v.data.json_lines import iter_lines

FORMATS = ("jsonl", "tsv")
_EXTENSIONS = {
    ".jsonl": "jsonl", ".json": "jsonl", ".jsonlines": "jsonl", ".ndjson": "jsonl",
    ".tsv": "tsv", ".tab": "tsv",
}


class RawRecord:
    """One raw input row: its line number and either its fields or a problem.

    Attributes:
        line: 1-based line number in the source file.
        fields: dict column -> value (JSON values for JSON Lines, strings for TSV),
            or None when the row could not be read.
        problem: message explaining why the row could not be read, or None.
        typed: True when values are JSON-typed (JSON Lines), False when strings (TSV).
    """

    __slots__ = ("line", "fields", "problem", "typed")

    def __init__(self, line, fields=None, problem=None, typed=True):
        self.line = line
        self.fields = fields
        self.problem = problem
        self.typed = typed


def detect_format(path, first_line=None):
    """Guesses `"jsonl"` or `"tsv"` from the file extension, else from the first line.

    Args:
        path: file name (a trailing `.gz` is ignored).
        first_line: optional first non-blank line, used when the extension says nothing:
            a line starting with `{` means JSON Lines.

    Returns:
        `"jsonl"` or `"tsv"`.
    """
    return format_from_name(path, first_line, _EXTENSIONS, default="tsv")


def format_from_name(path, first_line, extensions, default):
    """The format `extensions` gives the file's extension (a trailing `.gz` ignored),
    else `"jsonl"` when `first_line` starts with `{`, else `default`."""
    name = os.fspath(path)
    if name.endswith(".gz"):
        name = name[:-3]
    extension = os.path.splitext(name)[1].lower()
    if extension in extensions:
        return extensions[extension]
    if first_line is not None and first_line.lstrip().startswith("{"):
        return "jsonl"
    return default


def first_line(path):
    """The first non-blank line of a text file (None if it has none), e.g. for `detect_format`."""
    for _, text, _ in iter_lines(path):
        if text and text.strip():
            return text
    return None


def read_raw_records(lines, input_format, header=True):
    """Parses raw rows lazily from `(line_number, text, problem)` triples.

    JSON Lines: each non-blank line is a JSON object. TSV: the first non-blank line
    is a header naming the columns (with `header=False` there is none, and the
    columns are named by their number from 1: `"1"`, `"2"`, ...); every later
    non-blank line must have as many tab-separated fields (no quoting: a field is the
    text between tabs). Blank lines are not records and are skipped.

    Args:
        lines: iterable of `(line_number, text, problem)`, e.g. from
            `keras_o2v.data.json_lines.iter_lines`.
        input_format: `"jsonl"` or `"tsv"`.
        header: whether a TSV file starts with a header row.

    Yields:
        `RawRecord`s, one per non-blank line (the TSV header excluded).

    Example:
    >>> rows = read_raw_records([(1, "a b\\tc\\t1", None)], "tsv", header=False)
    >>> next(rows).fields
    {'1': 'a b', '2': 'c', '3': '1'}
    """
    if input_format not in FORMATS:
        raise ValueError(f"input_format must be one of {FORMATS}, got {input_format!r}")
    first_row = "the header" if header else "the first row"
    header = None if header else False
    for number, text, problem in lines:
        if problem is not None:
            yield RawRecord(number, problem=problem)
            continue
        if not text.strip():
            continue
        if input_format == "jsonl":
            yield _json_record(number, text)
        elif header is False:
            header = [str(column) for column in range(1, text.count("\t") + 2)]
            yield RawRecord(number, dict(zip(header, text.split("\t"))), typed=False)
        elif header is None:
            header = text.split("\t")
            duplicates = sorted({name for name in header if header.count(name) > 1})
            if duplicates:
                yield RawRecord(number, problem=f"header repeats column(s) {duplicates}")
                header = [f"{index}:{name}" for index, name in enumerate(header)]
        else:
            values = text.split("\t")
            if len(values) != len(header):
                yield RawRecord(
                    number, problem=f"row has {len(values)} tab-separated fields, "
                    f"{first_row} has {len(header)}", typed=False
                )
            else:
                yield RawRecord(number, dict(zip(header, values)), typed=False)


def _json_record(number, text):
    try:
        fields = json.loads(text)
    except json.JSONDecodeError as error:
        return RawRecord(number, problem=f"invalid JSON: {error.msg} (column {error.colno})")
    if not isinstance(fields, dict):
        return RawRecord(number, problem="a record must be a JSON object")
    return RawRecord(number, fields)

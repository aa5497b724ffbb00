"""Pairs of texts with a score or a class, read from TSV, CSV or JSON Lines files.

`load_text_pairs` is the one reader behind the named sentence-pair loaders
(`keras_o2v.datasets.sentence_pairs`); it returns a `SentencePairs`, which writes
Object2Vec JSON Lines of text records (`{"label": ..., "in0": text, "in1": text}`).

Lines come from `keras_o2v.data.json_lines` (numbered from 1, a byte-order mark dropped,
`.gz` read through gzip, a line that is not UTF-8 named with its number). Every bad line
is collected and reported in one `DataError` naming file and line; rows a format
defines as not usable (SNLI's `gold_label` "-") are excluded and counted in
`SentencePairs.skipped`, never dropped silently.

Example:
>>> pairs = load_text_pairs("pairs.tsv", text0="question", text1="answer", label="score")  # doctest: +SKIP
>>> pairs.write_jsonl("train.jsonl")  # doctest: +SKIP
"""

import collections
import csv
import dataclasses
import math
import os
from typing import List, Mapping, Optional, Tuple

import numpy as np

from keras_o2v.data.json_lines import iter_lines, read_json_lines
from keras_o2v.datasets.converters import write_jsonl
from keras_o2v.errors import DataError
from keras_o2v.preprocessing.raw_records import format_from_name

FORMATS = ("tsv", "csv", "jsonl")
LABEL_TYPES = ("auto", "score", "class")
EMPTY_TEXTS = ("error", "skip")
_EXTENSIONS = {
    ".tsv": "tsv", ".tab": "tsv", ".txt": "tsv", ".csv": "csv",
    ".jsonl": "jsonl", ".json": "jsonl", ".jsonlines": "jsonl", ".ndjson": "jsonl",
}


@dataclasses.dataclass(frozen=True)
class SentencePairs:
    """Pairs of texts and their labels, in file order.

    Args:
        texts0: the first text of each pair (`in0`).
        texts1: the second text of each pair (`in1`).
        labels: float32 scores, or int64 class ids (indices into `label_names`).
        label_names: class id -> class name for class labels; `None` for scores.
        path: the file the pairs were read from.
        skipped: `{reason: number of rows}` of the rows the format excludes (e.g.
            SNLI's `gold_label` "-"); empty when none was.

    Example:
    >>> pairs = SentencePairs(["a dog"], ["a cat"], np.array([1.5], np.float32))
    >>> len(pairs), next(pairs.records())
    (1, {'label': 1.5, 'in0': 'a dog', 'in1': 'a cat'})
    """

    texts0: List[str]
    texts1: List[str]
    labels: np.ndarray
    label_names: Optional[Tuple[str, ...]] = None
    path: str = ""
    skipped: Mapping[str, int] = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if not len(self.texts0) == len(self.texts1) == len(self.labels):
            raise ValueError(f"{len(self.texts0)} texts0, {len(self.texts1)} texts1 and "
                             f"{len(self.labels)} labels: they must have the same length.")

    def __len__(self):
        return len(self.labels)

    @property
    def label_map(self):
        """`{class name: id}` for class labels, `None` for scores."""
        return None if self.label_names is None else {n: k for k, n in enumerate(self.label_names)}

    @property
    def num_skipped(self):
        """How many rows were excluded, all reasons together."""
        return sum(self.skipped.values())

    def records(self):
        """Yields `{"label": score or class id, "in0": text, "in1": text}`, one per pair."""
        if self.label_names is None:
            # float32 -> the shortest decimal that reads back as the same float32 (3.8, not 3.799...)
            labels = (float(np.format_float_positional(value)) for value in self.labels)
        else:
            labels = (int(value) for value in self.labels)
        for label, text0, text1 in zip(labels, self.texts0, self.texts1):
            yield {"label": label, "in0": text0, "in1": text1}

    def write_jsonl(self, path):
        """Writes `records()` as Object2Vec JSON Lines, atomically; returns the count.

        Example:
        >>> pairs.write_jsonl("sts-train.jsonl")  # doctest: +SKIP
        5749
        """
        return write_jsonl(self.records(), path)


def load_text_pairs(path, text0, text1, label, format="auto", header="auto", label_type="auto",
                    label_map=None, label_names=None, skip_labels=None, extra_fields=False,
                    empty="error"):
    """Reads pairs of texts and a score or a class from a TSV, CSV or JSON Lines file.

    Columns are names (a header row's names, or JSON keys) or 0-based indices (TSV / CSV).
    TSV is split on tabs only (no quoting); CSV is read with Python's `csv` module
    (commas, double quotes, quoted line breaks). Blank lines are not rows.

    Class labels get ids from `label_map` when one is given (an unknown name is an
    error); otherwise from the names found in the file, sorted (numerically when every
    name is an integer), so the same set of names always gets the same ids.

    Args:
        path: the file (`.gz` is read through gzip).
        text0: column of the first text.
        text1: column of the second text.
        label: column of the score or the class.
        format: `"tsv"`, `"csv"`, `"jsonl"`, or `"auto"`: from the extension (`.tsv`,
            `.tab`, `.txt` are TSV, `.csv` CSV, `.jsonl`/`.json`/`.ndjson` JSON Lines),
            else JSON Lines when the first line starts with `{`, else TSV.
        header: whether a TSV / CSV file starts with a header row; `"auto"`: when the
            columns are names. Ignored for JSON Lines.
        label_type: `"score"` (a number; float32), `"class"` (a name; int64 ids), or
            `"auto"`: class when `label_map` is given or a label is not a number.
        label_map: optional `{class name: id}`, ids 0 to K-1 (several names may share one).
        label_names: the class names by id. With `label_map`: the names to return when
            several share an id (default: the first name of each id). Alone: the labels
            in the file are class ids 0 to K-1 (as `SentencePairs.write_jsonl` writes them).
        skip_labels: label values whose rows are excluded and counted: a list, or
            `{value: reason}` (the reason is the key of `SentencePairs.skipped`).
        extra_fields: allow TSV / CSV rows with more fields than the header (or the first
            row), ignoring the extra ones.
        empty: an empty or blank text is an `"error"`, or `"skip"`: the row is
            excluded and counted.

    Returns:
        A `SentencePairs`.

    Raises:
        DataError: naming file and line: a missing file, a line that is not UTF-8 or not
            JSON, a wrong number of fields, a missing column or key, an empty text, a
            score that is not a number, a class not in `label_map`.

    Example:
    >>> pairs = load_text_pairs("train.csv", text0="q1", text1="q2", label="is_duplicate",
    ...                         label_type="class")  # doctest: +SKIP
    >>> pairs.label_names  # doctest: +SKIP
    ('0', '1')
    """
    path = os.fspath(path)
    _check_choice("format", format, ("auto",) + FORMATS)
    _check_choice("label_type", label_type, LABEL_TYPES)
    _check_choice("empty", empty, EMPTY_TEXTS)
    if label_map is not None or label_names is not None:
        if label_type == "score":
            raise ValueError("label_map and label_names are for class labels; label_type='score' "
                             "was given.")
        label_type = "class"
    if label_map is not None:
        label_names = _label_names(label_map, label_names)
    elif label_names is not None:  # the labels are ids already
        label_names = tuple(label_names)
        label_map = {str(k): k for k in range(len(label_names))}
    if not isinstance(skip_labels, Mapping):
        skip_labels = {value: f"label {value!r} excluded" for value in skip_labels or ()}
    if format == "auto":
        format = (format_from_name(path, None, _EXTENSIONS, default=None)
                  or format_from_name(path, _first_line(path), _EXTENSIONS, default="tsv"))
    columns = (text0, text1, label)
    problems, skipped = [], collections.Counter()
    if format == "jsonl":
        rows = _json_rows(path, columns, problems)
    else:
        rows = _delimited_rows(path, format, columns, header, extra_fields, problems)
    kept = []  # (line, text0, text1, raw label)
    for number, first, second, raw in rows:
        if _hashable(raw) and raw in skip_labels:
            skipped[skip_labels[raw]] += 1
            continue
        bad_text = _text_problem(first, text0) or _text_problem(second, text1)
        if bad_text and empty == "skip" and isinstance(first, str) and isinstance(second, str):
            skipped["empty text"] += 1
        elif bad_text:
            problems.append((path, number, bad_text))
        else:
            kept.append((number, first, second, raw))
    if label_type == "auto":
        label_type = "score" if all(_number(raw) is not None for *_, raw in kept) else "class"
    if label_type == "score":
        labels, names = _scores(path, kept, label, problems), None
    else:
        labels, names = _classes(path, kept, label, label_map, label_names, problems)
    if problems:
        raise DataError(sorted(problems, key=lambda problem: problem[1]))
    return SentencePairs([row[1] for row in kept], [row[2] for row in kept], labels, names, path,
                         dict(skipped))


# === Rows: (line number, text0, text1, raw label) ===
def _json_rows(path, columns, problems):
    for name in columns:
        if not isinstance(name, str):
            raise ValueError(f"JSON Lines columns are key names, got {name!r}.")
    for line in read_json_lines(path):
        if line.problem:
            problems.append((path, line.number, line.problem))
        elif not isinstance(line.record, dict):
            problems.append((path, line.number, "a record must be a JSON object"))
        else:
            missing = [name for name in columns if name not in line.record]
            if missing:
                problems.append((path, line.number, f"missing key(s) {missing}"))
            else:
                yield (line.number, *(line.record[name] for name in columns))


def _delimited_rows(path, format, columns, header, extra_fields, problems):
    named = [isinstance(column, str) for column in columns]
    if header == "auto":
        if any(named) and not all(named):
            raise ValueError(f"columns {columns} mix names and indices; pass header=True or False.")
        header = all(named)
    if any(named) and not header:
        raise ValueError(f"a file without a header takes column indices, got {columns}.")
    for column in columns:
        if not isinstance(column, str) and (not isinstance(column, int) or column < 0):
            raise ValueError(f"a column is a name or an index >= 0, got {column!r}.")
    indices, width = None, None
    for number, fields in _split_lines(path, format, problems):
        if indices is None:
            if header:
                indices, width = _header_indices(path, number, fields, columns), len(fields)
                continue
            indices, width = list(columns), len(fields)
        if len(fields) != width and not (extra_fields and len(fields) > width):
            problems.append((path, number, f"{len(fields)} fields, expected {width}"
                             + (" or more" if extra_fields else "")))
        elif len(fields) <= max(indices):
            problems.append((path, number, f"{len(fields)} fields, column {max(indices)} "
                             "(counting from 0) is missing"))
        else:
            yield (number, *(fields[index] for index in indices))


def _header_indices(path, number, names, columns):
    """The indices of `columns` in the header row; a missing or repeated name is a `DataError`."""
    indices = []
    for column in columns:
        if isinstance(column, int):
            indices.append(column)
        elif names.count(column) == 1:
            indices.append(names.index(column))
        else:
            reason = "repeats" if column in names else "has no"
            raise DataError([(path, number, f"the header {reason} column {column!r} (columns: {names})")])
    return indices


def _split_lines(path, format, problems):
    """Yields `(line number, fields)` of the non-blank rows of a TSV or CSV file."""
    lines = _open_lines(path)
    if format == "tsv":
        for number, text, problem in lines:
            if problem:
                problems.append((path, number, problem))
            elif text.strip():
                yield number, text.split("\t")
        return
    texts = _texts(path, lines, problems)
    reader = csv.reader(texts, strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problems.append((path, start, f"malformed CSV: {error}"))
            fields = None
        if fields and any(field.strip() for field in fields):
            yield start, fields
        start = reader.line_num + 1


def _texts(path, lines, problems):
    for number, text, problem in lines:
        if problem:
            problems.append((path, number, problem))
            yield ""
        else:
            yield text + "\n"  # csv keeps a quoted line break as it was


def _open_lines(path):
    lines = iter_lines(path)
    try:
        first = next(lines, None)
    except OSError as error:
        raise DataError([(path, 0, f"cannot open: {error.strerror or error}")]) from None
    if first is not None:
        yield first
    yield from lines


def _first_line(path):
    for _, text, _ in _open_lines(path):
        if text is not None and text.strip():
            return text
    return None


# === Fields ===
def _text_problem(text, column):
    if not isinstance(text, str):
        return f"column {column!r} must be a text, got {type(text).__name__}"
    if not text.strip():
        return f"column {column!r} is empty"
    return None


def _number(raw):
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw)
        except ValueError:
            return None
    else:
        return None
    return value if math.isfinite(value) else None


def _scores(path, kept, column, problems):
    scores = np.empty(len(kept), np.float32)
    for k, (number, _, _, raw) in enumerate(kept):
        value = _number(raw)
        if value is None:
            problems.append((path, number, f"score {raw!r} in column {column!r} is not a number"))
        else:
            scores[k] = value
    return scores


def _class_name(raw):
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    return None


def _classes(path, kept, column, label_map, label_names, problems):
    names = [_class_name(raw) for *_, raw in kept]
    if label_map is None:
        found = {name for name in names if name}
        ordered = sorted(found, key=int) if all(_is_integer(n) for n in found) else sorted(found)
        label_map, label_names = {name: k for k, name in enumerate(ordered)}, tuple(ordered)
    ids = np.zeros(len(kept), np.int64)
    for k, ((number, _, _, raw), name) in enumerate(zip(kept, names)):
        if not name:
            problems.append((path, number, f"class {raw!r} in column {column!r} is not a name"))
        elif name not in label_map:
            problems.append((path, number, f"unknown class {name!r} in column {column!r} "
                             f"(known: {sorted(label_map)})"))
        else:
            ids[k] = label_map[name]
    return ids, tuple(label_names)


def _label_names(label_map, label_names):
    ids = sorted(set(label_map.values()))
    if ids != list(range(len(ids))) or not all(isinstance(i, int) for i in ids):
        raise ValueError(f"label_map ids must be 0 to K-1, got {ids}.")
    if label_names is not None:
        if len(label_names) != len(ids):
            raise ValueError(f"{len(label_names)} label_names for {len(ids)} class ids.")
        return tuple(label_names)
    first = {}
    for name, index in label_map.items():
        first.setdefault(index, name)
    return tuple(first[index] for index in ids)


def _is_integer(name):
    return name.lstrip("-").isdigit()


def _hashable(value):
    return isinstance(value, (str, int, float, bool, type(None)))


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}.")


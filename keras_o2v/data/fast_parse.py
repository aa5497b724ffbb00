"""The fast path of `RecordParser`: a whole block of well-formed lines in a few C-level passes.

Parsing line by line costs about 17 µs per record in Python (one `json.loads` call and
the per-field checks each), which for single-token pairs such as MovieLens is more
than a training step spends on them. A block of lines is instead decoded by one
`json.loads` of `[line, line, ...]`, and every check the line-by-line parser makes is
done on whole columns (`set(map(type, ...))`, numpy comparisons).

The fast path only ever accepts: whenever a block is not exactly what the line-by-line
parser would accept without a problem, it returns `None` and the caller parses the
block line by line, which finds and names every bad line. Both paths give identical
chunks for valid input (tested).

A repeated key (`{"in0": [1], "in0": [2], ...}`) is a bad record for both paths.
`json.loads` keeps the last value silently, so the fast path counts the keys in
the text: every key is a string followed by `:` (whitespace allowed between), and a
block is accepted only when that count equals the keys of the decoded objects. A
colon after a quote inside a string value only makes the count larger, which
sends the block to the line parser, never the other way round.
"""

import itertools
import json
import re

import numpy as np

from keras_o2v.data.token_ids import all_in_range

_KEY_END = {bytes: re.compile(rb'"\s*:'), str: re.compile(r'"\s*:')}


def parse_well_formed(lines, parser):
    """Parses `lines` into columns when every line is valid, else returns `None`.

    Args:
        lines: the block's lines (bytes or str), blank lines allowed.
        parser: the `RecordParser` whose settings (labels, classes, vocabularies)
            apply.

    Returns:
        `((in0_values, in0_lengths), (in1_values, in1_lengths), labels)` as numpy
        arrays (not yet truncated; `labels` is None when the parser needs none), or
        `None` when any line has a problem or the block is empty.
    """
    lines = [line for line in lines if line.strip()]
    if not lines:
        return None
    try:
        if isinstance(lines[0], bytes):
            text = b"[" + b",".join(lines) + b"]"
        else:
            text = "[" + ",".join(lines) + "]"
        records = json.loads(text)
    except (ValueError, UnicodeDecodeError, TypeError):
        return None
    keys, text = _keys_in_text(text), None
    # One line could hold "{...}, {...}": the count catches that, the types the rest.
    if len(records) != len(lines) or set(map(type, records)) != {dict}:
        return None
    if keys != sum(map(len, records)):
        return None  # a repeated key, or a '":' inside a string: the line parser decides
    try:
        sides = [[record["in0"] for record in records], [record["in1"] for record in records]]
        labels = [record["label"] for record in records] if parser.require_label else None
    except KeyError:
        return None
    columns = []
    for side, sequences in enumerate(sides):
        column = _ids(sequences, parser.encoders[side])
        if column is None:
            return None
        columns.append(column)
    label_array = None
    if parser.require_label:
        label_array = _labels(labels, parser)
        if label_array is None:
            return None
    return columns[0], columns[1], label_array


def _keys_in_text(text):
    """An upper bound of the number of object keys in `text`, exact for usual JSON.

    `text.count('":')` is cheap and exact when no key has whitespace before its
    colon (what `json.dumps` and most writers produce); otherwise a regex counts.
    """
    if isinstance(text, str):
        quote_colon, quote_then_space = '":', ('" ', '"\t', '"\r')
    else:
        quote_colon, quote_then_space = b'":', (b'" ', b'"\t', b'"\r')
    if any(pattern in text for pattern in quote_then_space):
        return len(_KEY_END[type(text)].findall(text))
    return text.count(quote_colon)


def _ids(sequences, settings):
    """`(values, lengths)` of one side, or `None` unless every row is a non-empty list
    of ints (not bools) in `[0, vocab_size)`."""
    if set(map(type, sequences)) != {list}:
        return None
    lengths = np.fromiter(map(len, sequences), np.int64, len(sequences))
    if lengths.min() == 0:
        return None
    flat = list(itertools.chain.from_iterable(sequences))
    if set(map(type, flat)) != {int}:
        return None
    try:
        values = np.fromiter(flat, np.int64, len(flat))
    except OverflowError:
        return None
    if not all_in_range(values, settings.vocab_size):
        return None
    return values, lengths


def _labels(labels, parser):
    """The label column, or `None` unless every label is one the line parser accepts."""
    if not set(map(type, labels)) <= {int, float}:
        return None
    try:
        values = np.asarray(labels, np.float64)
    except OverflowError:
        return None
    if not np.isfinite(values).all():
        return None
    if not parser.classification:
        return values.astype(np.float32)
    if not (np.all(values == np.floor(values)) and np.all((values >= 0) & (values < parser.num_classes))):
        return None
    return values.astype(np.int64)

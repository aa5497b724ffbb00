"""Numbered lines of UTF-8 files, and the one reader of files of one JSON value per line.

`iter_lines` is the line reader of the raw records and documents of `o2v prepare`:
numbered from 1, decoded one by one (a bad byte is named with its line), a
leading byte-order mark dropped, `.gz` read through gzip. `read_json_lines` reads
candidate files (`o2v export --candidates`, `o2v evaluate-retrieval --candidates`),
objects to embed (`o2v embed`) and vector files (`o2v neighbors`) through it, so
they agree on what a line is: blank lines are skipped, a line that is not UTF-8
or not JSON is a problem named with its number (never an exception that loses
the others), and a file that cannot be opened is a `DataError` at line 0. The
training channels have their own vectorised parser (`data/fast_parse.py`), which
falls back to `data/records.py` to name bad lines.

Example:
>>> for line in read_json_lines("items.jsonl"):  # doctest: +SKIP
...     if line.problem:
...         problems.append(("items.jsonl", line.number, line.problem))
...     else:
...         use(line.record)
"""

import gzip
import itertools
import json
import os
from typing import Any, NamedTuple, Optional

from keras_o2v.errors import DataError


class JsonLine(NamedTuple):
    """One non-blank line: its number (from 1), its JSON value, or the problem with it.

    Attributes:
        number: the line number, counting from 1 (blank lines included).
        record: the decoded value (`None` when there is a problem).
        problem: `None`, or what is wrong ("malformed JSON: ...", "not valid UTF-8: ...").
    """

    number: int
    record: Any
    problem: Optional[str]


def iter_lines(path):
    """Yields `(line_number, text, problem)` for each line of a UTF-8 file, lazily.

    Lines are decoded one by one so a bad byte is reported with its line; `text`
    has its line ending (and a leading byte-order mark) removed. A `.gz` file is
    read through gzip.
    """
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    with opener(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                yield number, None, f"not valid UTF-8: {error.reason}"
                continue
            yield number, text.rstrip("\r\n"), None



def read_json_lines(path):
    """Yields a `JsonLine` for every non-blank line of `path`.

    Args:
        path: a JSON Lines file.

    Raises:
        DataError: `(path, 0, "cannot open: ...")` when the file cannot be opened.
    """
    lines = iter_lines(path)
    try:
        first = next(lines, None)  # opens the file
    except OSError as error:
        raise DataError([(path, 0, f"cannot open: {error.strerror or error}")]) from None
    for number, text, problem in itertools.chain([first] if first else [], lines):
        if problem is not None:
            yield JsonLine(number, None, problem)
        elif text.strip():
            try:
                yield JsonLine(number, json.loads(text), None)
            except (ValueError, RecursionError) as error:  # RecursionError: nested too deeply
                yield JsonLine(number, None, f"malformed JSON: {error}")

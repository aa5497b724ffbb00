"""Numbered JSON Lines: the one reader behind every file of one JSON value per line.

Candidate files (`o2v export --candidates`, `o2v evaluate-retrieval --candidates`),
objects to embed (`o2v embed`) and vector files (`o2v neighbors`) read their lines
here, so they agree on what a line is: blank lines are skipped, lines count from
1, a line that is not UTF-8 or not JSON is a problem named with its number (never
an exception that loses the others), and a file that cannot be opened is a
`DataError` at line 0. The training channels have their own vectorised parser
(`data/fast_parse.py`), which falls back to `data/records.py` to name bad lines.

Example:
>>> for line in read_json_lines("items.jsonl"):  # doctest: +SKIP
...     if line.problem:
...         problems.append(("items.jsonl", line.number, line.problem))
...     else:
...         use(line.record)
"""

import json
from typing import Any, NamedTuple, Optional

from keras_o2v.errors import DataError


class JsonLine(NamedTuple):
    """One non-blank line: its number (from 1), its JSON value, or the problem with it.

    Attributes:
        number: the line number, counting from 1 (blank lines included).
        record: the decoded value (`None` when there is a problem).
        problem: `None`, or what is wrong ("malformed JSON: ...", "not UTF-8: ...").
    """

    number: int
    record: Any
    problem: Optional[str]


def read_json_lines(path):
    """Yields a `JsonLine` for every non-blank line of `path`.

    Args:
        path: a JSON Lines file.

    Raises:
        DataError: `(path, 0, "cannot open: ...")` when the file cannot be opened.
    """
    try:
        handle = open(path, "rb")
    except OSError as error:
        raise DataError([(path, 0, f"cannot open: {error.strerror or error}")]) from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                yield JsonLine(number, None, f"not UTF-8: {error}")
                continue
            try:
                yield JsonLine(number, json.loads(text), None)
            except (ValueError, RecursionError) as error:  # RecursionError: nested too deeply
                yield JsonLine(number, None, f"malformed JSON: {error}")

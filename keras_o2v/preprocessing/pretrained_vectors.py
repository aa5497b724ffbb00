"""Pretrained vectors trimmed to a vocabulary: the lines of a GloVe / word2vec text file for wanted tokens.

`prepare_pairs(pretrained=...)` streams the vector file once, keeps the lines of the
tokens it may put in the vocabulary, and writes the lines of the final vocabulary's
tokens, in id order, as a GloVe text file (no header) for `encN_pretrained_embedding_file`:
the training job then reads a few MB instead of the whole file. Lines are copied as
they are (no float is re-printed); the job's reader checks the values.
"""

import gzip
import os

from keras_o2v.atomic_files import atomic_write
from keras_o2v.errors import DataError


def read_vector_lines(path, wanted):
    """The lines of a vector file whose token is in `wanted`, and the vector dimension.

    A first line of exactly two integers is a word2vec header. A token may hold
    spaces (GloVe 840B): the last `dim` fields are the vector. The first occurrence
    of a token wins.

    Args:
        path: the vector file (`.gz` read through gzip).
        wanted: a set of tokens.

    Returns:
        `(lines, dim)`: dict token -> its line (without the line ending), and the
        dimension (from the header or the first vector).

    Raises:
        DataError: an unreadable file, bad UTF-8 or a line with fewer values than
            the dimension (file and line named).
    """
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    lines, dim = {}, None
    try:
        handle = opener(path, "rb")
    except OSError as error:
        raise DataError([(path, 0, f"cannot read vector file: {error.strerror or error}")]) from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8").rstrip("\r\n").rstrip(" ")
            except UnicodeDecodeError as error:
                raise DataError([(path, number, f"not valid UTF-8: {error.reason}")]) from None
            if not line:
                continue
            if dim is None:
                fields = line.split(" ")
                if len(fields) == 2 and all(field.isdigit() for field in fields):
                    dim = int(fields[1])
                    continue
                dim = len(fields) - 1
                if dim < 1:
                    raise DataError([(path, number, "expected a token and its vector values")])
            if line.count(" ") < dim:
                raise DataError([(path, number, f"vector has {line.count(' ')} values, "
                                                f"expected {dim}")])
            token = line.rsplit(" ", dim)[0]
            if token in wanted and token not in lines:
                lines[token] = line
    return lines, dim or 0


def write_vector_lines(path, vocab, lines):
    """Writes the lines of the vocabulary's tokens that have one, in id order, atomically.

    Returns:
        The number of vectors written.
    """
    written = 0
    with atomic_write(path) as handle:
        for token, _ in sorted(vocab.items(), key=lambda item: item[1]):
            if token in lines:
                handle.write(lines[token] + "\n")
                written += 1
    return written

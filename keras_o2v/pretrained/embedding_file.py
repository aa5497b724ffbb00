"""Reading a pretrained token-embedding text file (GloVe or word2vec text format)."""

import gzip
import typing

import numpy as np

from keras_o2v.errors import DataError

MAX_PROBLEMS = 100


class PretrainedEmbeddings(typing.NamedTuple):
    """Vectors read from a pretrained embedding file, aligned to vocabulary ids.

    Unpacks as `(matrix, found)`.

    Attributes:
        matrix: float32 array `[vocab_size, dim]`. Row `i` holds the file's vector for
            the token whose id is `i`; rows whose token was not found are zero.
        found: bool array `[vocab_size]`, True where the row came from the file.
            Row 0 (padding) is never filled and is always False.
    """

    matrix: np.ndarray
    found: np.ndarray

    @property
    def num_found(self):
        """Number of vocabulary ids that received a pretrained vector."""
        return int(self.found.sum())

    def fill_missing(self, seed=None, stddev=None):
        """Returns a copy of `matrix` with the rows not found initialised randomly.

        Missing rows (row 0 included) are drawn from a normal distribution whose
        standard deviation defaults to that of the found vectors (0.1 if none was
        found), so random and pretrained rows have a similar scale. Row 0 is set to
        zero, as it is the padding id and is masked.

        Args:
            seed: optional seed for the random rows.
            stddev: optional standard deviation of the random rows.

        Returns:
            A float32 array `[vocab_size, dim]`.
        """
        matrix = self.matrix.copy()
        if stddev is None:
            stddev = float(matrix[self.found].std()) if self.found.any() else 0.1
        missing = ~self.found
        rng = np.random.default_rng(seed)
        matrix[missing] = rng.normal(0.0, stddev or 0.1, size=(int(missing.sum()), matrix.shape[1]))
        matrix[0] = 0.0
        return matrix


def load_pretrained_embeddings(embedding_path, vocab, vocab_size, dim):
    """Reads the vectors of the vocabulary's tokens from a GloVe / word2vec text file.

    The file (`enc*_pretrained_embedding_file`) holds one token per line followed by
    its space-separated float values: `word v1 v2 ... vD`. Both layouts in use are
    accepted: GloVe (no header) and word2vec text (a first line `count dim`, detected
    when it is exactly two integers and `dim > 1`). A `.gz` file is read through gzip.

    The file is streamed line by line, so multi-gigabyte files (GloVe 840B) use no
    more memory than the returned matrix. Only tokens present in `vocab` are kept and
    only their floats are parsed; every line is still checked for its number of
    values. Matching is exact (case-sensitive). If a token occurs twice, the first
    occurrence wins. Row 0 is the padding id and is never filled.

    Tokens containing spaces (GloVe 840B has a few, e.g. `". . ."`) are handled by
    taking the last `dim` fields of a line as the vector and everything before as the
    token. The vector dimension is fixed by the first line (header or first vector),
    which must match `dim`; later lines with fewer values, or whose extra leading
    field is a number (a longer vector, not a token with spaces), are errors.

    Rows not found are left zero and marked False in `found`, for the caller to
    initialise (e.g. with `PretrainedEmbeddings.fill_missing`).

    Args:
        embedding_path: path of the text embedding file.
        vocab: dict token -> id (see `load_vocab`).
        vocab_size: number of rows of the result (`enc*_vocab_size`); vocab ids
            `>= vocab_size` are an error.
        dim: the expected vector dimension (`enc*_token_embedding_dim`).

    Returns:
        A `PretrainedEmbeddings` `(matrix, found)`; `num_found` counts the ids filled.

    Raises:
        DataError: naming file and line, for a dimension other than `dim`, an
            unparsable or non-finite float, bad UTF-8, or a vocab id out of range.
            Scanning stops after 100 problems.

    Example:
    >>> vocab = load_vocab("vocab.json")  # doctest: +SKIP
    >>> matrix, found = load_pretrained_embeddings(
    ...     "glove.840B.300d.txt", vocab, vocab_size=50000, dim=300)  # doctest: +SKIP
    """
    path = str(embedding_path)
    dim = int(dim)
    vocab_size = int(vocab_size)
    if dim < 1:
        raise ValueError(f"dim must be positive, got {dim}")
    bad_ids = [
        (path, 0, f"vocabulary token {token!r} has id {token_id}, outside [0, {vocab_size})")
        for token, token_id in vocab.items()
        if not 0 <= token_id < vocab_size
    ]
    if bad_ids:
        raise DataError(bad_ids)

    matrix = np.zeros((vocab_size, dim), dtype=np.float32)
    found = np.zeros((vocab_size,), dtype=bool)
    problems = []
    opener = gzip.open if path.endswith(".gz") else open
    try:
        handle = opener(path, "rb")
    except OSError as error:
        raise DataError([(path, 0, f"cannot read embedding file: {error.strerror or error}")])
    with handle:
        first = True
        first_vector = True
        for line_number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8").rstrip()
            except UnicodeDecodeError as error:
                problems.append((path, line_number, f"not valid UTF-8: {error.reason}"))
                line = None
            if line:
                if first:
                    first = False
                    if _is_word2vec_header(line, dim):
                        header_dim = int(line.split()[1])
                        if header_dim != dim:
                            raise DataError(
                                [(path, line_number, f"word2vec header says dimension "
                                  f"{header_dim}, expected {dim}")]
                            )
                        continue
                message = _check_dimension(line, dim)
                if message and first_vector:
                    raise DataError(
                        [(path, line_number, f"{message} (the embedding dimension must equal "
                          "the token embedding dim)")]
                    )
                first_vector = False
                message = message or _read_line(line, dim, vocab, matrix, found)
                if message:
                    problems.append((path, line_number, message))
            if len(problems) >= MAX_PROBLEMS:
                problems.append((path, line_number, "stopped reading after too many problems"))
                break
    if problems:
        raise DataError(problems)
    return PretrainedEmbeddings(matrix, found)


def _is_word2vec_header(line, dim):
    fields = line.split(" ")
    return dim > 1 and len(fields) == 2 and all(field.isdigit() for field in fields)


def _check_dimension(line, dim):
    """Returns a problem if the line does not hold a token and exactly `dim` values."""
    spaces = line.count(" ")
    if spaces < dim:
        return f"vector has {spaces} values, expected {dim}"
    if spaces > dim and _is_float(line.rsplit(" ", dim)[0].rsplit(" ", 1)[1]):
        return f"vector has more than {dim} values, expected {dim}"
    return None


def _read_line(line, dim, vocab, matrix, found):
    """Stores a well-formed line's vector if its token is wanted; returns a problem or None."""
    token, fields = _split(line, dim)
    token_id = vocab.get(token)
    if token_id is None or token_id == 0 or found[token_id]:
        return None
    try:
        vector = np.array(fields, dtype=np.float32)
    except ValueError:
        bad = next(field for field in fields if not _is_float(field))
        return f"cannot parse {bad!r} as a float (token {token!r})"
    if not np.isfinite(vector).all():
        return f"non-finite value in the vector of token {token!r}"
    matrix[token_id] = vector
    found[token_id] = True
    return None


def _split(line, dim):
    """Splits a line into its token (which may contain spaces) and `dim` value fields."""
    if line.count(" ") == dim:
        token, _, rest = line.partition(" ")
        return token, rest.split(" ")
    parts = line.rsplit(" ", dim)
    return parts[0], parts[1:]


def _is_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return True

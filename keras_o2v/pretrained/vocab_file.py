"""Reading a vocabulary file: a JSON object mapping token string to integer id."""

import json

from keras_o2v.errors import DataError


def load_vocab(path, vocab_size=None):
    """Loads a vocabulary file (`enc*_vocab_file`) into a `{token: id}` dict.

    The file is one JSON object mapping each token to the integer id used for it in
    the `in0` / `in1` lists of the training data, e.g.
    `{"<pad>": 0, "<unk>": 1, "the": 2}` (SageMaker Object2Vec's format, which is also
    what `keras_o2v.preprocessing` writes). Ids need not be contiguous.

    Every problem is reported, with the file name, in a single `DataError`:
    malformed JSON (with its line), a top-level value that is not an object, a token
    listed twice, an id that is not an integer (`true`, `1.5` and `"3"` are rejected),
    a negative id, two tokens sharing one id (ambiguous when aligning pretrained
    vectors, so rejected), and, when `vocab_size` is given, an id `>= vocab_size`.

    Args:
        path: path of the JSON vocabulary file.
        vocab_size: optional `enc*_vocab_size`; every id must be below it.

    Returns:
        A dict mapping token (str) to id (int), in file order.

    Raises:
        DataError: the file is unreadable or breaks one of the rules above.

    Example:
    >>> vocab = load_vocab("vocab.json", vocab_size=50000)  # doctest: +SKIP
    >>> vocab["<unk>"]  # doctest: +SKIP
    1
    """
    path = str(path)
    try:
        with open(path, encoding="utf-8") as handle:
            pairs = json.load(handle, object_pairs_hook=_keep_pairs)
    except OSError as error:
        raise DataError([(path, 0, f"cannot read vocabulary file: {error.strerror or error}")])
    except UnicodeDecodeError as error:
        raise DataError([(path, 0, f"vocabulary file is not UTF-8: {error}")])
    except json.JSONDecodeError as error:
        raise DataError([(path, error.lineno, f"invalid JSON in vocabulary file: {error.msg}")])
    if not isinstance(pairs, _Pairs):
        raise DataError([(path, 1, "vocabulary file must hold a JSON object {token: id}")])

    problems = []
    vocab = {}
    owner = {}
    for token, token_id in pairs:
        where = f"token {token!r}"
        if token in vocab:
            problems.append((path, 0, f"{where} is listed more than once"))
            continue
        if isinstance(token_id, bool) or not isinstance(token_id, int):
            problems.append((path, 0, f"{where} has id {token_id!r}, expected an integer"))
            continue
        if token_id < 0:
            problems.append((path, 0, f"{where} has negative id {token_id}"))
            continue
        if vocab_size is not None and token_id >= vocab_size:
            problems.append(
                (path, 0, f"{where} has id {token_id}, not less than vocab_size={vocab_size}")
            )
            continue
        if token_id in owner:
            problems.append(
                (path, 0, f"{where} has id {token_id}, already used by token {owner[token_id]!r}")
            )
            continue
        owner[token_id] = token
        vocab[token] = token_id
    if problems:
        raise DataError(problems)
    return vocab


class _Pairs(list):
    """The (key, value) pairs of one JSON object, duplicates kept."""


def _keep_pairs(pairs):
    return _Pairs(pairs)

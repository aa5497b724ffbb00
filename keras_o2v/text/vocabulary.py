"""Vocabularies (token -> id): ordering new tokens, the reserved ids, writing the file.

A vocabulary is a dict token -> id with `<pad>`=0 and `<unk>`=1 reserved; ids need not
be contiguous. Its file is one JSON object token -> id, ordered by id (the format of
`encN_vocab_file`, read by `keras_o2v.pretrained.load_vocab`).
"""

import json

from keras_o2v.atomic_files import atomic_write
from keras_o2v.errors import O2VError
from keras_o2v.text.reserved import PAD, PAD_ID, RESERVED, UNK, UNK_ID


def vocabulary_from_counts(counts, min_count=1, max_size=None, base=None):
    """Makes a vocabulary from token counts, optionally extending an existing one.

    New tokens get consecutive ids after the largest id of `base`, ordered by count
    (descending) then token (ascending), so the result depends only on the counts,
    never on input order. Tokens already in `base` keep their ids; tokens seen fewer
    than `min_count` times are left out (they will map to `<unk>`).

    Args:
        counts: mapping token -> count.
        min_count: minimum count for a new token to get an id.
        max_size: optional cap on the vocabulary size (number of ids, reserved ones
            included, i.e. the `enc*_vocab_size` to train with); the most frequent
            new tokens are kept.
        base: vocabulary to extend; defaults to the reserved ids
            `{"<pad>": 0, "<unk>": 1}`.

    Returns:
        A new dict token -> id.

    Example:
    >>> vocabulary_from_counts({"b": 3, "a": 2, "c": 3})
    {'<pad>': 0, '<unk>': 1, 'b': 2, 'c': 3, 'a': 4}
    """
    vocab = dict(RESERVED if base is None else base)
    if max_size is not None and max_size < len(RESERVED):
        raise ValueError(f"max_size must be at least {len(RESERVED)}, got {max_size}")
    next_id = first_oov_id(vocab)
    new = [(token, n) for token, n in counts.items() if n >= min_count and token not in vocab]
    new.sort(key=lambda item: (-item[1], item[0]))
    if max_size is not None:
        new = new[: max(0, max_size - next_id)]
    for token, _ in new:
        vocab[token] = next_id
        next_id += 1
    return vocab


def first_oov_id(vocab):
    """The id of out-of-vocabulary bucket 0: one more than the vocabulary's largest id."""
    return max(vocab.values(), default=-1) + 1


def check_text_vocabulary(vocab, where="the vocabulary"):
    """Checks the reserved ids of a text vocabulary; returns it with `<unk>`=1 added if absent.

    Id 0 is padding: only `<pad>` may have it. Id 1 is the unknown token's: `<unk>` must
    have it, or, when the vocabulary has no `<unk>`, no token may (tokens it lacks then
    get id 1 too).

    Args:
        vocab: dict token -> id.
        where: how the vocabulary is named in errors (e.g. its file).

    Raises:
        O2VError: a reserved id held by another token.
    """
    owners = {token_id: token for token, token_id in vocab.items()}
    if owners.get(PAD_ID, PAD) != PAD:
        raise O2VError(f"{where}: id {PAD_ID} is reserved for padding, but token "
                       f"{owners[PAD_ID]!r} has it")
    if PAD in vocab and vocab[PAD] != PAD_ID:
        raise O2VError(f"{where}: {PAD!r} must have id {PAD_ID}, has {vocab[PAD]}")
    if UNK in vocab and vocab[UNK] != UNK_ID:
        raise O2VError(f"{where}: {UNK!r} must have id {UNK_ID}, has {vocab[UNK]}")
    if UNK not in vocab and UNK_ID in owners:
        raise O2VError(f"{where}: id {UNK_ID} is the unknown token's ({UNK!r}) in a text "
                       f"vocabulary, but token {owners[UNK_ID]!r} has it")
    return vocab if UNK in vocab else {**vocab, UNK: UNK_ID}


def save_vocabulary(vocab, path):
    """Writes a vocabulary as a JSON object token -> id, ordered by id, atomically.

    The file is the format of `enc*_vocab_file` and reads back with
    `keras_o2v.pretrained.load_vocab`.

    Args:
        vocab: dict token -> id.
        path: destination file.
    """
    items = sorted(vocab.items(), key=lambda item: item[1])
    with atomic_write(path) as handle:
        handle.write("{\n")
        for index, (token, token_id) in enumerate(items):
            comma = "," if index < len(items) - 1 else ""
            handle.write(f"  {json.dumps(token, ensure_ascii=False)}: {token_id}{comma}\n")
        handle.write("}\n")

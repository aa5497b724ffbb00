"""Building, extending, saving and applying token -> id vocabularies.

Tokens a vocabulary lacks become `<unk>` (id 1), or, with `oov_buckets=N`, one of
N ids after the vocabulary's: `first + crc32(token as UTF-8) % N` with `first` one
more than the largest id (the out-of-vocabulary buckets of TensorFlow's
`StringLookup(num_oov_indices=N)` and of fastText, with a hash any language can
reproduce). Two occurrences of an unseen word then share an id, so a model with
one token table for queries and documents still sees them match; the model needs
`encN_vocab_size` = the vocabulary's size + N. Encode queries at serving time with
the same `oov_buckets` as the training data.
"""

import collections
import json
import zlib

from keras_o2v.atomic_files import atomic_write
from keras_o2v.preprocessing.tokenizer import Tokenizer

PAD = "<pad>"
UNK = "<unk>"
RESERVED = {PAD: 0, UNK: 1}


def count_tokens(texts, tokenizer=None, counts=None):
    """Counts the tokens of an iterable of texts, streaming.

    Args:
        texts: iterable of strings (consumed once, never stored).
        tokenizer: callable str -> list of str; defaults to `Tokenizer()`.
        counts: optional `collections.Counter` to add to.

    Returns:
        A `collections.Counter` of token -> occurrences.
    """
    tokenizer = tokenizer or Tokenizer()
    counts = collections.Counter() if counts is None else counts
    for text in texts:
        counts.update(tokenizer(text))
    return counts


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
    """
    vocab = dict(RESERVED if base is None else base)
    if max_size is not None and max_size < len(RESERVED):
        raise ValueError(f"max_size must be at least {len(RESERVED)}, got {max_size}")
    next_id = max(vocab.values(), default=-1) + 1
    new = [(token, n) for token, n in counts.items() if n >= min_count and token not in vocab]
    new.sort(key=lambda item: (-item[1], item[0]))
    if max_size is not None:
        new = new[: max(0, max_size - next_id)]
    for token, _ in new:
        vocab[token] = next_id
        next_id += 1
    return vocab


def build_vocabulary(texts, min_count=1, max_size=None, tokenizer=None):
    """Builds a vocabulary from texts: `<pad>`=0, `<unk>`=1, then tokens by frequency.

    Tokens are ordered by count (descending), ties by token (ascending), which
    makes the ids deterministic. `texts` is streamed; only the token counts are held.

    Args:
        texts: iterable of strings.
        min_count: minimum number of occurrences for a token to get an id.
        max_size: optional maximum vocabulary size, the two reserved ids included.
        tokenizer: callable str -> list of str; defaults to `Tokenizer()`.

    Returns:
        A dict token -> id.

    Example:
    >>> build_vocabulary(["a b b", "c b a"])
    {'<pad>': 0, '<unk>': 1, 'b': 2, 'a': 3, 'c': 4}
    """
    counts = count_tokens(texts, tokenizer)
    return vocabulary_from_counts(counts, min_count=min_count, max_size=max_size)


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


def text_to_ids(text, vocab, tokenizer=None, unknown_id=None, oov_buckets=0):
    """Tokenizes one text and maps its tokens to ids (unknown tokens -> `<unk>`).

    Args:
        text: a string.
        vocab: dict token -> id.
        tokenizer: callable str -> list of str; defaults to `Tokenizer()`.
        unknown_id: id for tokens not in `vocab`; defaults to `vocab["<unk>"]`.
        oov_buckets: hash tokens not in `vocab` into this many ids after the
            vocabulary's instead (see the module docstring).

    Returns:
        A list of ints.
    """
    tokenizer = tokenizer or Tokenizer()
    return tokens_to_ids(tokenizer(text), vocab, unknown_id, oov_buckets)


def tokens_to_ids(tokens, vocab, unknown_id=None, oov_buckets=0):
    """Maps tokens to ids; tokens not in `vocab` become `<unk>` (or `unknown_id`), or
    with `oov_buckets=N` one of N hashed ids after the vocabulary's.

    Example:
    >>> tokens_to_ids(["a", "zzz"], {"<pad>": 0, "<unk>": 1, "a": 2})
    [2, 1]
    >>> tokens_to_ids(["a", "zzz", "zzz"], {"<pad>": 0, "<unk>": 1, "a": 2}, oov_buckets=10)
    [2, 5, 5]
    """
    if oov_buckets:
        first = first_oov_id(vocab)
        return [vocab[token] if token in vocab else first + oov_bucket(token, oov_buckets)
                for token in tokens]
    unknown_id = _unknown_id(vocab, unknown_id)
    return [vocab.get(token, unknown_id) for token in tokens]


def first_oov_id(vocab):
    """The id of out-of-vocabulary bucket 0: one more than the vocabulary's largest id."""
    return max(vocab.values(), default=-1) + 1


def oov_bucket(token, oov_buckets):
    """The bucket (0 .. oov_buckets - 1) of a token: `crc32(UTF-8 bytes) % oov_buckets`."""
    return zlib.crc32(token.encode("utf-8")) % oov_buckets


def texts_to_ids(texts, vocab, tokenizer=None, unknown_id=None, oov_buckets=0):
    """Maps each text of `texts` to its list of token ids; see `text_to_ids`.

    Example:
    >>> texts_to_ids(["b a", "a z"], {"<pad>": 0, "<unk>": 1, "a": 2, "b": 3})
    [[3, 2], [2, 1]]
    """
    tokenizer = tokenizer or Tokenizer()
    unknown_id = None if oov_buckets else _unknown_id(vocab, unknown_id)
    return [text_to_ids(text, vocab, tokenizer, unknown_id, oov_buckets) for text in texts]


def _unknown_id(vocab, unknown_id):
    if unknown_id is not None:
        return unknown_id
    if UNK not in vocab:
        raise ValueError(f"the vocabulary has no {UNK!r} token; pass unknown_id")
    return vocab[UNK]

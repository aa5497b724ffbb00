"""Building, extending, saving and applying token -> id vocabularies (convenience functions).

The ids come from `keras_o2v.text.TextPreprocessor`'s TensorFlow lookup, so they are
the ids a model computes from text. Tokens a vocabulary lacks become `<unk>` (id 1),
or, with `oov_buckets=N`, one of N ids after the vocabulary's:
`first + FarmHash64(token) % N` (`tf.strings.to_hash_bucket_fast`, the hash of the
out-of-vocabulary indices of Keras' `StringLookup` and `Hashing`), `first` being one
more than the largest id. Two occurrences of an unseen word then share an id, so a
model with one token table for queries and documents still sees them match; the model
needs `encN_vocab_size` = the vocabulary's size + N. keras_o2v before 0.2 hashed with
crc32: see `keras_o2v.text.check_oov_hash`.
"""

import collections

from keras_o2v.preprocessing.tokenizer import Tokenizer, as_text_preprocessor
from keras_o2v.text.reserved import PAD, RESERVED, UNK
from keras_o2v.text.vocabulary import first_oov_id, save_vocabulary, vocabulary_from_counts

__all__ = ["PAD", "RESERVED", "UNK", "build_vocabulary", "count_tokens", "first_oov_id",
           "oov_bucket", "save_vocabulary", "text_to_ids", "texts_to_ids", "tokens_to_ids",
           "vocabulary_from_counts"]


def count_tokens(texts, tokenizer=None, counts=None):
    """Counts the tokens of an iterable of texts, streaming.

    Args:
        texts: iterable of strings (consumed once, never stored).
        tokenizer: a `Tokenizer` or `TextPreprocessor` (default: `Tokenizer()`),
            run on batches of texts; any other callable str -> list of str is called
            on each text (it only counts: ids always come from the TensorFlow lookup).
        counts: optional `collections.Counter` to add to.

    Returns:
        A `collections.Counter` of token -> occurrences.
    """
    counts = collections.Counter() if counts is None else counts
    if tokenizer is None or isinstance(tokenizer, Tokenizer) or _is_preprocessor(tokenizer):
        return as_text_preprocessor(tokenizer).count_tokens(texts, counts=counts)
    for text in texts:
        counts.update(tokenizer(text))
    return counts


def build_vocabulary(texts, min_count=1, max_size=None, tokenizer=None):
    """Builds a vocabulary from texts: `<pad>`=0, `<unk>`=1, then tokens by frequency.

    Tokens are ordered by count (descending), ties by token (ascending), which
    makes the ids deterministic. `texts` is streamed; only the token counts are held.

    Args:
        texts: iterable of strings.
        min_count: minimum number of occurrences for a token to get an id.
        max_size: optional maximum vocabulary size, the two reserved ids included.
        tokenizer: see `count_tokens`.

    Returns:
        A dict token -> id.

    Example:
    >>> build_vocabulary(["a b b", "c b a"])
    {'<pad>': 0, '<unk>': 1, 'b': 2, 'a': 3, 'c': 4}
    """
    counts = count_tokens(texts, tokenizer)
    return vocabulary_from_counts(counts, min_count=min_count, max_size=max_size)


def text_to_ids(text, vocab, tokenizer=None, unknown_id=None, oov_buckets=0):
    """Tokenizes one text and maps its tokens to ids (unknown tokens -> `<unk>`).

    Args:
        text: a string.
        vocab: dict token -> id.
        tokenizer: see `count_tokens`.
        unknown_id: id for tokens not in `vocab`; defaults to `vocab["<unk>"]`.
        oov_buckets: hash tokens not in `vocab` into this many ids after the
            vocabulary's instead (see the module docstring).

    Returns:
        A list of ints.
    """
    return texts_to_ids([text], vocab, tokenizer, unknown_id, oov_buckets)[0]


def texts_to_ids(texts, vocab, tokenizer=None, unknown_id=None, oov_buckets=0):
    """Maps each text of `texts` to its list of token ids; see `text_to_ids`.

    Example:
    >>> texts_to_ids(["b a", "a z"], {"<pad>": 0, "<unk>": 1, "a": 2, "b": 3})
    [[3, 2], [2, 1]]
    """
    texts = list(texts)
    if tokenizer is None or isinstance(tokenizer, Tokenizer) or _is_preprocessor(tokenizer):
        token_lists = as_text_preprocessor(tokenizer).token_lists(texts)
    else:
        token_lists = [list(tokenizer(text)) for text in texts]
    return _lookup(token_lists, vocab, unknown_id, oov_buckets)


def tokens_to_ids(tokens, vocab, unknown_id=None, oov_buckets=0):
    """Maps tokens to ids; tokens not in `vocab` become `<unk>` (or `unknown_id`), or
    with `oov_buckets=N` one of N hashed ids after the vocabulary's.

    Example:
    >>> tokens_to_ids(["a", "zzz"], {"<pad>": 0, "<unk>": 1, "a": 2})
    [2, 1]
    >>> ids = tokens_to_ids(["a", "zzz", "zzz"], {"<pad>": 0, "<unk>": 1, "a": 2}, oov_buckets=10)
    >>> ids[0] == 2 and ids[1] == ids[2] == 3 + oov_bucket("zzz", 10)
    True
    """
    return _lookup([list(tokens)], vocab, unknown_id, oov_buckets)[0]


def oov_bucket(token, oov_buckets):
    """The bucket (0 .. oov_buckets - 1) of a token: FarmHash64 of its UTF-8 bytes % oov_buckets."""
    import tensorflow as tf

    return int(tf.strings.to_hash_bucket_fast([token], oov_buckets).numpy()[0])


def _lookup(token_lists, vocab, unknown_id, oov_buckets):
    import tensorflow as tf

    from keras_o2v.text.token_lookup import lookup_ids, vocabulary_table

    if not oov_buckets:
        unknown_id = _unknown_id(vocab, unknown_id)
    tokens = tf.ragged.constant(token_lists, dtype=tf.string, ragged_rank=1) if any(token_lists) \
        else tf.RaggedTensor.from_row_lengths(tf.zeros([0], tf.string), [0] * len(token_lists))
    ids = lookup_ids(vocabulary_table(vocab), tokens, first_oov_id(vocab), oov_buckets,
                     unknown_id if unknown_id is not None else 1)
    return ids.to_list()


def _is_preprocessor(value):
    return type(value).__name__ == "TextPreprocessor" and hasattr(value, "token_lists")


def _unknown_id(vocab, unknown_id):
    if unknown_id is not None:
        return unknown_id
    if UNK not in vocab:
        raise ValueError(f"the vocabulary has no {UNK!r} token; pass unknown_id")
    return vocab[UNK]

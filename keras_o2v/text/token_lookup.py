"""Token -> id lookup in TensorFlow: a hash table, then `<unk>` or hashed buckets.

Tokens the vocabulary lacks get id 1 (`<unk>`), or, with `oov_buckets = N > 0`,
`first + tf.strings.to_hash_bucket_fast(token, N)`, `first` being one more than the
vocabulary's largest id: FarmHash Fingerprint64 of the UTF-8 bytes modulo N, the hash
of the out-of-vocabulary indices of Keras' `StringLookup` and `Hashing`.
"""

import numpy as np
import tensorflow as tf

from keras_o2v.text.reserved import PAD, UNK_ID


def vocabulary_table(vocab):
    """A `tf.lookup.StaticHashTable` token -> id of a vocabulary (`<pad>` left out: no
    token of a text is padding), -1 for tokens it lacks."""
    items = [(token, token_id) for token, token_id in vocab.items() if token != PAD]
    keys = np.array([token.encode("utf-8") for token, _ in items], dtype=object)
    values = np.array([token_id for _, token_id in items], dtype=np.int64)
    initializer = tf.lookup.KeyValueTensorInitializer(
        tf.constant(keys, tf.string, shape=[len(items)]),
        tf.constant(values, tf.int64, shape=[len(items)]))
    return tf.lookup.StaticHashTable(initializer, default_value=-1)


def lookup_ids(table, tokens, first_oov_id, oov_buckets, unknown_id=UNK_ID):
    """The ids of a string tensor (or ragged tensor) of tokens; see the module docstring.

    Args:
        table: from `vocabulary_table`.
        tokens: a `tf.string` tensor or `tf.RaggedTensor`.
        first_oov_id: the id of bucket 0 (largest vocabulary id + 1).
        oov_buckets: the number of buckets (0: unknown tokens get `unknown_id`).
        unknown_id: the id of unknown tokens without buckets.

    Returns:
        int64 ids of the same shape.
    """
    if isinstance(tokens, tf.RaggedTensor):
        return tf.ragged.map_flat_values(lookup_ids, table, tokens, first_oov_id, oov_buckets,
                                         unknown_id)
    found = table.lookup(tokens)
    if oov_buckets:
        fallback = tf.strings.to_hash_bucket_fast(tokens, oov_buckets) + first_oov_id
    else:
        fallback = tf.fill(tf.shape(found), tf.constant(unknown_id, tf.int64))
    return tf.where(found >= 0, found, fallback)

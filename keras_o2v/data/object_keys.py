"""64-bit keys of token-id objects: the same key in NumPy (data pipeline) and TensorFlow (graph).

An object (one side of a pair: a list of token ids, right-padded with 0) gets the key
`sum_k ids[k] * P**k` in 64-bit wrap-around arithmetic, with `P` an odd 64-bit
constant. Padding adds nothing, so `[5, 7]` and `[5, 7, 0]` share a key, and a
one-token object's key is its token id. Retrieval training uses keys to spot the
same `in1` object twice in a batch (accidental hits) and to look up how often the
train channel holds it; ranking evaluation uses them to find each channel's distinct
objects and known positive pairs. Two different objects share a key with
probability about 2**-64 per pair.

Example:
>>> object_keys(np.array([5, 7, 9]), np.array([1, 2])).tolist()[0]
5
"""

import numpy as np

MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def key_powers(length):
    """int64 `[length]`: `P**k` for k = 0..length-1, wrapped to 64 bits."""
    powers = np.ones(max(int(length), 1), np.uint64)
    with np.errstate(over="ignore"):
        for k in range(1, len(powers)):
            powers[k] = powers[k - 1] * MULTIPLIER
    return powers.view(np.int64)


def object_keys(values, lengths):
    """int64 keys of ragged rows (flat `values` split by `lengths`, as in `RecordChunk`).

    Args:
        values: int64 token ids of all rows, concatenated.
        lengths: int64 number of ids per row (0 gives the key 0).
    """
    values = np.asarray(values, np.int64)
    lengths = np.asarray(lengths, np.int64)
    if len(values) == 0:
        return np.zeros(len(lengths), np.int64)
    starts = np.cumsum(lengths) - lengths
    position = np.arange(len(values)) - np.repeat(starts, lengths)
    with np.errstate(over="ignore"):
        terms = values.view(np.uint64) * key_powers(int(lengths.max())).view(np.uint64)[position]
    keys = np.zeros(len(lengths), np.uint64)
    filled = lengths > 0
    if filled.any():  # empty rows hold no values, so the segments are exactly the rows
        keys[filled] = np.add.reduceat(terms, starts[filled])
    return keys.view(np.int64)


def padded_object_keys(ids):
    """int64 keys `[n]` of right-padded int ids `[n, length]` (NumPy)."""
    ids = np.asarray(ids, np.int64)
    with np.errstate(over="ignore"):
        terms = ids.view(np.uint64) * key_powers(ids.shape[1]).view(np.uint64)[None, :]
        return terms.sum(axis=1, dtype=np.uint64).view(np.int64)


def tensor_object_keys(ids):
    """int64 keys `[batch]` of a right-padded int64 tensor `[batch, length]` (TensorFlow).

    TensorFlow's int64 multiply and add wrap around like NumPy's uint64, so the
    keys equal `padded_object_keys` bit for bit.
    """
    import tensorflow as tf

    powers = tf.constant(key_powers(_MAX_LENGTH))
    length = tf.shape(ids)[1]
    return tf.reduce_sum(tf.cast(ids, tf.int64) * powers[None, :length], axis=1)


def bucket_of(keys, num_buckets):
    """Bucket ids `keys mod num_buckets` in [0, num_buckets) (floor modulo, NumPy or TF)."""
    if isinstance(keys, np.ndarray):
        return np.mod(keys, np.int64(num_buckets))
    import tensorflow as tf

    return tf.math.floormod(keys, tf.constant(num_buckets, tf.int64))


# The longest object a model takes (SageMaker's encN_max_seq_len is at most 5000).
_MAX_LENGTH = 5000

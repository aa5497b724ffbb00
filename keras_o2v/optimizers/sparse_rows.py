"""Row-wise helpers for the sparse (`tf.IndexedSlices`) gradients of token tables."""

import keras
import tensorflow as tf


def unique_rows(gradient):
    """Unique row ids of an `IndexedSlices` and the sum of the gradient rows of each.

    Args:
        gradient: a `tf.IndexedSlices` (ids may repeat).

    Returns:
        `(rows, values)`: int ids `[n]` and summed gradients `[n, ...]`.

    Example:
    >>> rows, values = unique_rows(tf.IndexedSlices(tf.ones([3, 2]), [4, 1, 4]))
    >>> sorted(rows.numpy().tolist())
    [1, 4]
    """
    rows, positions = tf.unique(gradient.indices)
    count = tf.shape(rows)[0]
    # Ids that are unique already (a TokenEmbedding's gradient) keep their rows as they are.
    values = tf.cond(count < tf.shape(gradient.indices)[0],
                     lambda: tf.math.unsorted_segment_sum(gradient.values, positions, count),
                     lambda: gradient.values)
    return rows, values


def gather_rows(variable, rows):
    """The rows `rows` of a variable (a `keras.Variable` or a `tf.Variable`)."""
    if isinstance(variable, keras.Variable):
        variable = variable.value
    return tf.gather(variable, rows)

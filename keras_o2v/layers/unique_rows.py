"""A batch's token vectors as `(rows, positions)`: each distinct id's table row once.

`TokenEmbedding(..., as_rows=True)` returns the embedded ids of a batch as
`rows` (float `[n_unique, dim]`: the table row of every distinct id of the
batch, read once) and `positions` (int32, the shape of the ids: the index
into `rows` of each id). The embeddings are `take_rows(rows, positions)`; the
pooled encoder sums rows straight from this form (`sum_rows`) without building
the `[batch, length, dim]` tensor.

Both helpers have a dense gradient with respect to `rows` (`[n_unique, dim]`,
small), so the table's gradient stays one `tf.IndexedSlices` row per distinct
id. That gradient adds the upstream vectors of all positions of each row; it
is computed with the positions sorted (`SparseSegmentSum` with sorted segment
ids: every output row is written once, in order), which is faster on CPU than
scattering the positions in batch order (`UnsortedSegmentSum`,
`SparseSegmentSumGrad`).
"""

import tensorflow as tf


def take_rows(rows, positions):
    """`tf.gather(rows, positions)`, with the gradient for `rows` as a dense tensor.

    Args:
        rows: float `[n, dim]`.
        positions: int32 indices into `rows`, any shape `S`.

    Returns:
        float `S + [dim]`.

    Example:
    >>> take_rows(tf.eye(3), tf.constant([[2, 2]])).numpy().tolist()
    [[[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]]
    """
    flat = tf.reshape(positions, [-1])
    taken = _segment_sum_rows(rows, flat, tf.range(tf.size(flat)), tf.size(flat))
    return tf.reshape(taken, tf.concat([tf.shape(positions), tf.shape(rows)[1:]], axis=0))


def sum_rows(rows, positions, mask):
    """Per row of `positions` `[batch, length]`, the sum of the `rows` at its `mask`ed positions.

    The same as `reduce_sum(take_rows(rows, positions) * mask[..., None], axis=1)`,
    without the `[batch, length, dim]` tensor.

    Args:
        rows: float `[n, dim]`.
        positions: int32 `[batch, length]` indices into `rows`.
        mask: bool `[batch, length]`: the positions that count.

    Returns:
        float `[batch, dim]`.

    Example:
    >>> mask = tf.constant([[True, True], [True, False]])
    >>> sum_rows(tf.eye(3), tf.constant([[0, 2], [1, 1]]), mask).numpy().tolist()
    [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    where = tf.where(mask)  # row-major: the segment ids come out sorted
    segments = tf.cast(where[:, 0], tf.int32)
    return _segment_sum_rows(rows, tf.gather_nd(positions, where), segments,
                             tf.shape(positions)[0])


@tf.custom_gradient
def _segment_sum_rows(rows, indices, segments, num_segments):
    """`output[s] = sum(rows[indices[k]] for k with segments[k] == s)`; `segments` sorted."""
    def gradient(upstream):
        order = tf.argsort(indices, stable=True)
        return (tf.sparse.segment_sum(upstream, tf.gather(segments, order),
                                      tf.gather(indices, order),
                                      num_segments=tf.shape(rows)[0]),
                None, None, None)

    return tf.sparse.segment_sum(rows, indices, segments, num_segments=num_segments), gradient

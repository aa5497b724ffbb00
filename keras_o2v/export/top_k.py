"""The top-k signature's search: the k best candidates of each query, in the graph.

Candidate embeddings (enc1, computed once at export) are frozen into the SavedModel
as a variable. Each request embeds its queries with enc0 and scores them against
the candidates block by block with the model's own score function
(`Object2Vec.score_embeddings`), keeping a running top-k, so memory stays bounded
by `block_budget` floats whatever the catalogue size. `k` is an input (a tensor,
not fixed at trace time), clamped to the number of candidates. Only stock
TensorFlow ops (While, TopKV2, GatherV2, ...), so stock TF Serving runs it.
"""

import numpy as np
import tensorflow as tf

from keras_o2v.data.ragged_rows import pad_sequences
from keras_o2v.serving_contract import NO_CANDIDATE, NO_SCORE

DEFAULT_BLOCK_BUDGET = 1 << 24  # floats of pair features per block (64 MB)


class TopKIndex(tf.Module):
    """Frozen candidates and the blocked top-k search over them.

    Args:
        score_fn: `(query_embeddings [b, d], candidate_embeddings [m, d]) -> [b, m]`.
        candidate_ids: int64 `[n]`.
        candidate_embeddings: float32 `[n, d]`.
        pair_width: floats one (query, candidate) pair costs in `score_fn` (sets
            the block size).
        block_budget: floats of pair features per block.

    Example:
    >>> index = TopKIndex(model.score_embeddings, ids, model.embed(in1=items), 4 * d)  # doctest: +SKIP
    >>> ids, scores = index.search(model.encode(0, in0), k=tf.constant(10))  # doctest: +SKIP
    """

    def __init__(self, score_fn, candidate_ids, candidate_embeddings, pair_width,
                 block_budget=DEFAULT_BLOCK_BUDGET, name="top_k_index"):
        super().__init__(name=name)
        self.score_fn = score_fn
        self.count = int(candidate_ids.shape[0])
        self.candidate_ids = tf.Variable(candidate_ids, trainable=False, dtype=tf.int64,
                                         name="candidate_ids")
        self.candidate_embeddings = tf.Variable(candidate_embeddings, trainable=False,
                                                dtype=tf.float32, name="candidate_embeddings")
        self.pair_width = max(1, int(pair_width))
        self.block_budget = int(block_budget)

    def search(self, query_embeddings, k, exclude=None):
        """`(ids [b, K], scores [b, K])` with `K = max(min(k, n))`, best first.

        Args:
            query_embeddings: float `[b, d]`.
            k: int tensor, a scalar or one value per row (any shape with 1 or b values).
            exclude: optional int64 `[b, e]` candidate ids to leave out per row,
                right-padded with -1.
        """
        b = tf.shape(query_embeddings)[0]
        k = tf.reshape(tf.cast(k, tf.int32), [-1])
        checks = [
            tf.debugging.assert_non_negative(k, message="k must not be negative"),
            tf.debugging.assert_equal(
                tf.logical_or(tf.equal(tf.size(k), 1), tf.equal(tf.size(k), b)), True,
                message="k must be a scalar or hold one value per row"),
        ]
        with tf.control_dependencies(checks):
            k_rows = tf.cond(tf.equal(tf.size(k), 1), lambda: tf.fill([b], k[0]), lambda: k)
        k_rows = tf.minimum(k_rows, self.count)
        width = tf.reduce_max(tf.concat([k_rows, [0]], axis=0))
        block = tf.maximum(1, self.block_budget // tf.maximum(b * self.pair_width, 1))
        block = tf.minimum(block, self.count)

        def step(start, best_scores, best_ids):
            stop = tf.minimum(start + block, self.count)
            scores = self.score_fn(query_embeddings, self.candidate_embeddings[start:stop])
            ids = self.candidate_ids[start:stop]
            if exclude is not None:
                hit = tf.reduce_any(tf.equal(exclude[:, tf.newaxis, :], ids[tf.newaxis, :, tf.newaxis]),
                                    axis=-1)
                scores = tf.where(hit, tf.constant(float("-inf"), scores.dtype), scores)
            scores = tf.concat([best_scores, scores], axis=1)
            ids = tf.concat([best_ids, tf.tile(ids[tf.newaxis], [b, 1])], axis=1)
            top = tf.math.top_k(scores, k=tf.minimum(width, tf.shape(scores)[1]), sorted=True)
            return stop, top.values, tf.gather(ids, top.indices, batch_dims=1)

        _, scores, ids = tf.while_loop(
            lambda start, *_: start < self.count, step,
            (tf.constant(0), tf.zeros([b, 0], tf.float32), tf.zeros([b, 0], tf.int64)),
            shape_invariants=(tf.TensorShape([]), tf.TensorShape([None, None]),
                              tf.TensorShape([None, None])))
        valid = tf.logical_and(tf.range(width)[tf.newaxis, :] < k_rows[:, tf.newaxis],
                               scores > float("-inf"))
        return (tf.where(valid, ids, tf.constant(NO_CANDIDATE, tf.int64)),
                tf.where(valid, scores, tf.constant(NO_SCORE, tf.float32)))


def embed_candidates(model, sequences, batch_size=1024):
    """enc1 embeddings `[n, d]` (numpy) of candidate token id lists.

    A local function, so that nothing is cached on `model` (the export twin is
    saved right after, and must hold only what the SavedModel needs).
    """
    encode = tf.function(lambda ids: model.encode(1, ids),
                         input_signature=[tf.TensorSpec([None, None], tf.int64)])
    parts = [encode(tf.constant(pad_sequences(sequences[start:start + batch_size]))).numpy()
             for start in range(0, len(sequences), batch_size)]
    return np.concatenate(parts, axis=0).astype(np.float32)

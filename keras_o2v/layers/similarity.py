"""The similarity of two embeddings: the pair score of `training_objective=retrieval`."""

import keras
from keras import ops

SIMILARITIES = ("cosine", "dot")
_EPSILON = 1e-12


def l2_normalize(x):
    """Rows scaled to unit length; an all-zero row stays zero."""
    squared = ops.sum(ops.square(x), axis=-1, keepdims=True)
    return x * ops.rsqrt(ops.maximum(squared, _EPSILON))


@keras.saving.register_keras_serializable(package="keras_o2v")
class Similarity(keras.layers.Layer):
    """Scores embedding pairs by their dot product or cosine similarity.

    Called on `[e0, e1]`, both `[batch, d]`, it returns `[batch, 1]`: the
    similarity of each row pair (what `serving_default` returns as `scores` in
    retrieval mode). `matrix(queries, candidates)` gives every query against every
    candidate, `[num_queries, num_candidates]`, the same numbers by one matrix
    product. `"cosine"` is the dot product of the L2-normalised embeddings, in
    [-1, 1] (an all-zero embedding has similarity 0 to everything); `"dot"` is the
    plain inner product. The temperature of training is not part of the score.

    Args:
        similarity: `"cosine"` or `"dot"`.
        **kwargs: forwarded to `keras.layers.Layer`.

    Example:
    >>> layer = keras_o2v.layers.Similarity("cosine")
    >>> layer([np.array([[3.0, 4.0]]), np.array([[6.0, 8.0]])]).numpy().tolist()
    [[1.0]]
    """

    def __init__(self, similarity="cosine", **kwargs):
        super().__init__(**kwargs)
        if similarity not in SIMILARITIES:
            raise ValueError(f"similarity must be one of {SIMILARITIES}, got {similarity!r}")
        self.similarity = similarity

    def prepare(self, embeddings):
        """The vectors whose dot product is the similarity (normalised for cosine)."""
        return l2_normalize(embeddings) if self.similarity == "cosine" else embeddings

    def call(self, inputs):
        e0, e1 = inputs
        return ops.sum(self.prepare(e0) * self.prepare(e1), axis=-1, keepdims=True)

    def matrix(self, queries, candidates):
        """Similarities `[num_queries, num_candidates]` of every query to every candidate."""
        return ops.matmul(self.prepare(queries), ops.transpose(self.prepare(candidates)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)

    def get_config(self):
        return {**super().get_config(), "similarity": self.similarity}

"""The `pooled_embedding` encoder: token embeddings combined over the valid positions."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_o2v.layers.masked_pooling import masked_max, masked_mean, masked_sqrtn, masked_sum
from keras_o2v.layers.sequence_encoder import SequenceEncoder
from keras_o2v.layers.token_weights import SIF_SMOOTHING, WEIGHTED_POOLINGS, pooling_weights
from keras_o2v.layers.unique_rows import sum_rows, take_rows

# "mean" is SageMaker's; "sum" and "sqrtn" those of `tf.nn.embedding_lookup_sparse`;
# "first_plus_sqrtn" is SVD++'s user vector; "max" the largest value of each dimension;
# "idf" and "sif" weigh tokens by frequency.
POOLINGS = ("mean", "sum", "sqrtn", "first_plus_sqrtn", "max", *WEIGHTED_POOLINGS)


@keras.saving.register_keras_serializable(package="keras_o2v")
class PooledEmbeddingEncoder(SequenceEncoder):
    """Combines token embeddings over the non-padding positions.

    As in the network SageMaker's document-embedding example prints in its log,
    there is no projection: the output width is the token embedding width.
    Called on embeddings `[batch, length, dim]` with a
    boolean `mask` `[batch, length]`; returns `[batch, dim]`. An all-padding row
    gives zeros. With `n` valid tokens `e_1 .. e_n`, `pooling` gives:

    - `"mean"` (SageMaker's pooled_embedding): `sum(e) / n`;
    - `"sum"`: `sum(e)`;
    - `"sqrtn"`: `sum(e) / sqrt(n)`;
    - `"first_plus_sqrtn"`: `e_1 + sum(e_2 .. e_n) / sqrt(n - 1)`, for an object
      written as its own id token followed by context tokens (SVD++'s user: the
      user id plus the items the user rated). The id keeps full weight however
      long the context is, where a mean would shrink it to `1/n`;
    - `"idf"`: `sum(w_t e_t) / sum(w_t)`, the mean weighted by each token's
      smoothed inverse document frequency `w_t`;
    - `"max"`: the largest value of each dimension over the valid positions;
    - `"sif"`: `sum(w_t e_t) / n` with `w_t = a / (a + p(t))` (Arora et al.'s
      smooth inverse frequency; `a` = `sif_smoothing`).

    With `common_components=k` the projection of the pooled vector on `k` unit
    vectors (the `components` weight, `[k, dim]`) is removed: SIF's second step,
    which takes out the direction every sentence shares (mostly frequent words and
    syntax). `set_common_components` sets them (`Object2Vec.adapt` fits the first
    `k` principal directions, uncentred as in SIF's code, on the train channel's
    objects); until then they are zero and remove nothing.

    The weighted poolings need the token ids (`ids=`, `[batch, length]`) and hold
    the weights as a non-trainable weight `token_weights` `[vocab_size]`, so that
    they are saved in `.keras` files and checkpoints and are part of an exported
    graph. They start at 1 (the plain mean) until `set_token_statistics` sets
    them from counts (`Object2Vec.adapt` does it from the train channel; see
    `keras_o2v.layers.token_weights` for the formulas). `documents` is the number
    of objects they were counted over (0: not set).

    It also takes the embeddings as `(rows, positions)` (from
    `TokenEmbedding(..., as_rows=True)`, padding rows zero) and then sums the
    rows per object without building `[batch, length, dim]`. With one position
    per object (static length 1) every unweighted pooling is that position's
    vector.

    Args:
        pooling: one of `POOLINGS`.
        vocab_size: the number of token ids (needed by `idf` and `sif`).
        sif_smoothing: `a` of `sif`.
        common_components: principal directions removed from the output (0: none).
        **kwargs: forwarded to `keras.layers.Layer`.

    Example:
    >>> encoder = keras_o2v.layers.PooledEmbeddingEncoder(pooling="sqrtn")
    >>> float(encoder(np.ones((2, 4, 8)), mask=np.ones((2, 4), bool))[0, 0])  # 4 / sqrt(4)
    2.0
    >>> weighted = keras_o2v.layers.PooledEmbeddingEncoder(pooling="idf", vocab_size=10)
    >>> weighted.set_token_weights(np.arange(10.0))
    >>> x, ids = np.eye(3)[None], np.array([[1, 2, 3]])
    >>> weighted(x, mask=ids != 0, ids=ids).numpy().round(3).tolist()  # weights 1, 2, 3
    [[0.167, 0.333, 0.5]]
    """

    def __init__(self, pooling="mean", vocab_size=None, sif_smoothing=SIF_SMOOTHING,
                 common_components=0, **kwargs):
        super().__init__(**kwargs)
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        if pooling in WEIGHTED_POOLINGS and not vocab_size:
            raise ValueError(f"pooling={pooling!r} needs vocab_size (its weights are per id)")
        self.pooling = pooling
        self.vocab_size = None if vocab_size is None else int(vocab_size)
        self.sif_smoothing = float(sif_smoothing)
        self.common_components = int(common_components)

    @property
    def weighted(self):
        """Whether the pooling weighs tokens (`idf`, `sif`)."""
        return self.pooling in WEIGHTED_POOLINGS

    def build(self, input_shape=None):
        if self.built:
            return
        self._build_token_weights()
        if self.common_components:
            if input_shape is None:
                raise ValueError("common_components needs the input shape to build")
            shape = input_shape[0] if isinstance(input_shape[0], (list, tuple)) else input_shape
            self.components = self.add_weight(
                shape=(self.common_components, shape[-1]), initializer="zeros",
                trainable=False, name="components")
        self.built = True

    def _build_token_weights(self):
        if self.weighted and not hasattr(self, "token_weights"):
            self.token_weights = self.add_weight(
                shape=(self.vocab_size,), initializer="ones", trainable=False,
                name="token_weights")
            self.documents = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                             name="documents")

    def set_common_components(self, vectors):
        """Sets the directions removed from the output (float `[common_components, dim]`)."""
        vectors = np.asarray(vectors, np.float32)
        if vectors.shape != tuple(self.components.shape) or not np.isfinite(vectors).all():
            raise ValueError(f"common components must be finite, of shape "
                             f"{tuple(self.components.shape)}, got {vectors.shape}")
        self.components.assign(vectors)

    # === Weights ===
    def set_token_statistics(self, statistics):
        """Sets the weights from a `keras_o2v.data.token_statistics.TokenStatistics`."""
        if statistics.vocab_size != self.vocab_size:
            raise ValueError(f"expected counts of {self.vocab_size} ids, got {statistics.vocab_size}")
        self.set_token_weights(pooling_weights(self.pooling, statistics, self.sif_smoothing),
                               documents=statistics.documents)

    def set_token_weights(self, weights, documents=1):
        """Sets the weights directly (float `[vocab_size]`), e.g. from another corpus."""
        if not self.weighted:
            raise ValueError(f"pooling={self.pooling!r} has no token weights")
        self._build_token_weights()
        weights = np.asarray(weights, np.float32)
        if weights.shape != (self.vocab_size,) or not np.isfinite(weights).all() or \
                (weights < 0).any():
            raise ValueError(f"token weights must be {self.vocab_size} finite values >= 0, got "
                             f"shape {weights.shape}")
        self.token_weights.assign(weights)
        self.documents.assign(float(documents))

    @property
    def adapted(self):
        """Whether the weights were set (always True for unweighted poolings)."""
        return not self.weighted or float(ops.convert_to_numpy(self.documents)) > 0

    # === Pooling ===
    def call(self, inputs, mask=None, ids=None):
        pooled = self._pool(inputs, mask, ids)
        if not self.common_components:
            return pooled
        components = ops.cast(self.components, pooled.dtype)
        return pooled - ops.matmul(ops.matmul(pooled, ops.transpose(components)), components)

    def _pool(self, inputs, mask, ids):
        if self.weighted:
            if ids is None:
                raise ValueError(f"pooling={self.pooling!r} needs the token ids (ids=)")
            mask = ops.not_equal(ids, 0) if mask is None else mask
            return self._weighted(inputs, mask, ids)
        if not isinstance(inputs, (list, tuple)):
            return super().call(inputs, mask=mask)
        rows, positions = inputs
        if mask is None:
            raise ValueError("pooling (rows, positions) needs the mask")
        if self.pooling == "first_plus_sqrtn":
            return (take_rows(rows, positions[:, 0])
                    + _pool_rows(rows, positions[:, 1:], mask[:, 1:], "sqrtn"))
        if self.pooling == "max":
            return masked_max(take_rows(rows, positions), mask)
        return _pool_rows(rows, positions, mask, self.pooling)

    def encode(self, inputs, mask):
        if inputs.shape[1] == 1:
            return ops.squeeze(inputs, axis=1) * ops.cast(mask, inputs.dtype)
        if self.pooling == "first_plus_sqrtn":
            first = inputs[:, 0] * ops.cast(mask[:, :1], inputs.dtype)
            return first + masked_sqrtn(inputs[:, 1:], mask[:, 1:])
        return _POOL[self.pooling](inputs, mask)

    def _weighted(self, inputs, mask, ids):
        """`idf` / `sif` on `[batch, length, dim]` embeddings or on `(rows, positions)`."""
        as_rows = isinstance(inputs, (list, tuple))
        dtype = inputs[0].dtype if as_rows else inputs.dtype
        valid = ops.cast(mask, dtype)
        weights = ops.take(ops.cast(self.token_weights, dtype), ids) * valid  # [batch, length]
        if as_rows:
            rows, positions = inputs
            # Every position of a row holds the same id, hence the same weight.
            row_weights = tf.math.unsorted_segment_max(
                tf.reshape(weights, [-1]), tf.reshape(positions, [-1]), tf.shape(rows)[0])
            total = sum_rows(rows * ops.maximum(row_weights, 0.0)[:, None], positions, mask)
        else:
            total = ops.sum(inputs * weights[:, :, None], axis=1)
        norm = ops.sum(weights if self.pooling == "idf" else valid, axis=1, keepdims=True)
        return total / ops.where(norm > 0, norm, ops.ones_like(norm))

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, (list, tuple)) and isinstance(input_shape[0], (list, tuple)):
            return (input_shape[1][0], input_shape[0][-1])  # (rows, positions)
        return super().compute_output_shape(input_shape)

    def get_config(self):
        config = {**super().get_config(), "pooling": self.pooling}
        if self.weighted:
            config.update(vocab_size=self.vocab_size, sif_smoothing=self.sif_smoothing)
        if self.common_components:
            config["common_components"] = self.common_components
        return config


def _pool_rows(rows, positions, mask, pooling):
    total = sum_rows(rows, positions, mask)
    if pooling == "sum":
        return total
    count = ops.maximum(ops.sum(ops.cast(mask, rows.dtype), axis=1, keepdims=True), 1.0)
    return total / (count if pooling == "mean" else ops.sqrt(count))


_POOL = {"mean": masked_mean, "sum": masked_sum, "sqrtn": masked_sqrtn, "max": masked_max}

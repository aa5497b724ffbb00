"""The `pooled_embedding` encoder: token embeddings combined over the valid positions."""

import keras
from keras import ops

from keras_o2v.hyperparameters import POOLINGS
from keras_o2v.layers.masked_pooling import masked_mean, masked_sqrtn, masked_sum
from keras_o2v.layers.sequence_encoder import SequenceEncoder
from keras_o2v.layers.unique_rows import sum_rows, take_rows


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
      long the context is, where a mean would shrink it to `1/n`.

    It also takes the embeddings as `(rows, positions)` (from
    `TokenEmbedding(..., as_rows=True)`, padding rows zero) and then sums the
    rows per object without building `[batch, length, dim]`. With one position
    per object (static length 1) every pooling is that position's vector.

    Args:
        pooling: one of `POOLINGS`.
        **kwargs: forwarded to `keras.layers.Layer`.

    Example:
    >>> encoder = keras_o2v.layers.PooledEmbeddingEncoder(pooling="sqrtn")
    >>> float(encoder(np.ones((2, 4, 8)), mask=np.ones((2, 4), bool))[0, 0])  # 4 / sqrt(4)
    2.0
    """

    def __init__(self, pooling="mean", **kwargs):
        super().__init__(**kwargs)
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.pooling = pooling

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)):
            return super().call(inputs, mask=mask)
        rows, positions = inputs
        if mask is None:
            raise ValueError("pooling (rows, positions) needs the mask")
        if self.pooling == "first_plus_sqrtn":
            return (take_rows(rows, positions[:, 0])
                    + _pool_rows(rows, positions[:, 1:], mask[:, 1:], "sqrtn"))
        return _pool_rows(rows, positions, mask, self.pooling)

    def encode(self, inputs, mask):
        if inputs.shape[1] == 1:
            return ops.squeeze(inputs, axis=1) * ops.cast(mask, inputs.dtype)
        if self.pooling == "first_plus_sqrtn":
            first = inputs[:, 0] * ops.cast(mask[:, :1], inputs.dtype)
            return first + masked_sqrtn(inputs[:, 1:], mask[:, 1:])
        return _POOL[self.pooling](inputs, mask)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, (list, tuple)) and isinstance(input_shape[0], (list, tuple)):
            return (input_shape[1][0], input_shape[0][-1])  # (rows, positions)
        return super().compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "pooling": self.pooling}


def _pool_rows(rows, positions, mask, pooling):
    total = sum_rows(rows, positions, mask)
    if pooling == "sum":
        return total
    count = ops.maximum(ops.sum(ops.cast(mask, rows.dtype), axis=1, keepdims=True), 1.0)
    return total / (count if pooling == "mean" else ops.sqrt(count))


_POOL = {"mean": masked_mean, "sum": masked_sum, "sqrtn": masked_sqrtn}

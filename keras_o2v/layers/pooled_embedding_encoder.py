"""The `pooled_embedding` encoder: token embeddings combined over the valid positions."""

import keras
from keras import ops

from keras_o2v.hyperparameters import POOLINGS
from keras_o2v.layers.masked_pooling import masked_mean, masked_sqrtn, masked_sum
from keras_o2v.layers.sequence_encoder import SequenceEncoder


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

    def encode(self, inputs, mask):
        if self.pooling == "first_plus_sqrtn":
            first = inputs[:, 0] * ops.cast(mask[:, :1], inputs.dtype)
            return first + masked_sqrtn(inputs[:, 1:], mask[:, 1:])
        return _POOL[self.pooling](inputs, mask)

    def get_config(self):
        return {**super().get_config(), "pooling": self.pooling}


_POOL = {"mean": masked_mean, "sum": masked_sum, "sqrtn": masked_sqrtn}

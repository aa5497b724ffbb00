"""The `pooled_embedding` encoder: the masked mean of token embeddings."""

import keras

from keras_o2v.layers.masked_pooling import masked_mean
from keras_o2v.layers.sequence_encoder import SequenceEncoder


@keras.saving.register_keras_serializable(package="keras_o2v")
class PooledEmbeddingEncoder(SequenceEncoder):
    """Averages token embeddings over the non-padding positions.

    As in SageMaker (spec §1.2) there is no projection: the output width is the
    token embedding width. Called on embeddings `[batch, length, dim]` with a
    boolean `mask` `[batch, length]`; returns `[batch, dim]`. An all-padding row
    gives zeros.

    Args:
        **kwargs: forwarded to `keras.layers.Layer`.

    Example:
    >>> encoder = keras_o2v.layers.PooledEmbeddingEncoder()
    >>> encoder(np.ones((2, 5, 8)), mask=np.ones((2, 5), bool)).shape
    TensorShape([2, 8])
    """

    def encode(self, inputs, mask):
        return masked_mean(inputs, mask)

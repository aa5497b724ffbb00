"""The `hcnn` encoder: a hierarchical CNN with max-pooled features per level."""

import keras

from keras_o2v.layers.masked_pooling import masked_max
from keras_o2v.layers.sequence_encoder import SequenceEncoder


def split_width(total, parts):
    """Splits `total` channels over `parts` levels, earlier levels taking the rest."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


@keras.saving.register_keras_serializable(package="keras_o2v")
class HCNNEncoder(SequenceEncoder):
    """Hierarchical CNN encoder (SageMaker's `hcnn`; its internals are unpublished).

    Architecture (our documented choice, after the hierarchical ConvNet of
    Conneau et al., 2017, which SageMaker's SNLI benchmark compares against):

    - `num_layers` stacked `Conv1D(kernel_size=filter_width, padding="same",
      activation="relu")`; level `l` reads level `l-1`'s output.
    - `output_dim` channels are split over the levels (`split_width`), so
      concatenating the levels gives exactly `output_dim` without a projection.
    - After each level, padded positions are zeroed (so deeper levels never see
      padding) and the level is max-pooled over the valid positions.
    - The output is the concatenation of the pooled levels: ReLU features, so
      non-negative with exact zeros, as in SageMaker's published hcnn output.

    Padding (id 0, masked) never changes the result. Called on embeddings
    `[batch, length, dim]` with a boolean `mask` `[batch, length]`.

    Args:
        output_dim: the encoder width (SageMaker's `enc_dim`).
        num_layers: number of convolution levels (`encN_layers`, auto = 4).
        filter_width: convolution width (`encN_cnn_filter_width`).
        **kwargs: forwarded to `keras.layers.Layer`.

    Example:
    >>> encoder = keras_o2v.layers.HCNNEncoder(output_dim=16, num_layers=4)
    >>> encoder(np.ones((2, 7, 8)), mask=np.ones((2, 7), bool)).shape
    TensorShape([2, 16])

    Reference:
    - [Conneau et al., 2017](https://arxiv.org/abs/1705.02364)
    """

    def __init__(self, output_dim, num_layers=4, filter_width=3, **kwargs):
        super().__init__(output_dim=output_dim, **kwargs)
        if num_layers > output_dim:
            raise ValueError(f"num_layers={num_layers} exceeds output_dim={output_dim}")
        self.num_layers = num_layers
        self.filter_width = filter_width
        self.convolutions = [
            keras.layers.Conv1D(width, filter_width, padding="same", activation="relu",
                                name=f"conv{i}", dtype=self.dtype_policy)
            for i, width in enumerate(split_width(output_dim, num_layers))
        ]

    def build(self, input_shape):
        shape = input_shape
        for conv in self.convolutions:
            conv.build(shape)
            shape = conv.compute_output_shape(shape)

    def encode(self, inputs, mask):
        keep = keras.ops.expand_dims(keras.ops.cast(mask, inputs.dtype), -1)
        x = inputs * keep
        pooled = []
        for conv in self.convolutions:
            x = conv(x) * keep
            pooled.append(masked_max(x, mask))
        return keras.ops.concatenate(pooled, axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update(output_dim=self.output_dim, num_layers=self.num_layers,
                      filter_width=self.filter_width)
        return config

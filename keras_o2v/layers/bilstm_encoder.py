"""The `bilstm` encoder: stacked bidirectional LSTMs with masked max pooling."""

import keras

from keras_o2v.layers.masked_pooling import masked_max
from keras_o2v.layers.sequence_encoder import SequenceEncoder


@keras.saving.register_keras_serializable(package="keras_o2v")
class BiLSTMEncoder(SequenceEncoder):
    """Bidirectional LSTM encoder (SageMaker's `bilstm`; its internals are unpublished).

    Architecture (our documented choice, the BiLSTM-max encoder of Conneau et
    al., 2017, the best of their study on SNLI):

    - `num_layers` stacked `Bidirectional` LSTMs returning sequences; the forward
      direction has `ceil(output_dim / 2)` units and the backward one
      `floor(output_dim / 2)`, so the concatenated states are `output_dim` wide.
    - The top layer's states are max-pooled over the valid (non-padding)
      positions: `[batch, output_dim]`.

    Inputs must be right-padded (as the data pipeline and the serving helpers
    produce); padding never changes the result. `use_cudnn` is passed to the
    LSTMs: "auto" trains with cuDNN on a GPU, and the SavedModel export builds a
    twin with `use_cudnn=False` so the served graph has no `Cudnn*` op.

    Args:
        output_dim: the encoder width (SageMaker's `enc_dim`).
        num_layers: stacked bidirectional layers (`encN_layers`, auto = 1).
        use_cudnn: "auto", True or False, as in `keras.layers.LSTM`.
        **kwargs: forwarded to `keras.layers.Layer`.

    Example:
    >>> encoder = keras_o2v.layers.BiLSTMEncoder(output_dim=16)
    >>> encoder(np.ones((2, 7, 8)), mask=np.ones((2, 7), bool)).shape
    TensorShape([2, 16])

    Reference:
    - [Conneau et al., 2017](https://arxiv.org/abs/1705.02364)
    """

    def __init__(self, output_dim, num_layers=1, use_cudnn="auto", **kwargs):
        super().__init__(output_dim=output_dim, **kwargs)
        self.num_layers = num_layers
        self.use_cudnn = use_cudnn
        forward_units = (output_dim + 1) // 2
        backward_units = output_dim // 2
        self.recurrent_layers = []
        for i in range(num_layers):
            forward = keras.layers.LSTM(forward_units, return_sequences=True,
                                        use_cudnn=use_cudnn, name=f"forward{i}")
            backward = keras.layers.LSTM(backward_units, return_sequences=True,
                                         go_backwards=True, use_cudnn=use_cudnn,
                                         name=f"backward{i}")
            self.recurrent_layers.append(keras.layers.Bidirectional(
                forward, backward_layer=backward, merge_mode="concat", name=f"bilstm{i}"))

    def build(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.recurrent_layers:
            layer.build(shape)
            shape = shape[:-1] + (self.output_dim,)

    def encode(self, inputs, mask):
        x = inputs
        for layer in self.recurrent_layers:
            x = layer(x, mask=mask)
        return masked_max(x, mask)

    def get_config(self):
        config = super().get_config()
        config.update(output_dim=self.output_dim, num_layers=self.num_layers,
                      use_cudnn=self.use_cudnn)
        return config

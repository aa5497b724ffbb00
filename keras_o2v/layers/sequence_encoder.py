"""Base class of the encoders: embedded tokens and a mask -> one vector per object."""

import keras


class SequenceEncoder(keras.layers.Layer):
    """Maps embeddings `[batch, length, dim]` and a boolean `mask` to `[batch, width]`.

    Subclasses implement `encode(inputs, mask)`. Without a mask every position
    counts. The output carries no mask. `output_dim` is the output width, or
    None when it is the token dimension.

    Args:
        output_dim: output width, or None for the input's last dimension.
        **kwargs: forwarded to `keras.layers.Layer`.
    """

    def __init__(self, output_dim=None, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = output_dim
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            mask = keras.ops.ones(keras.ops.shape(inputs)[:2], dtype="bool")
        return self.encode(inputs, mask)

    def encode(self, inputs, mask):
        raise NotImplementedError

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim or input_shape[-1])

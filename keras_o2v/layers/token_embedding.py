"""Token embedding table with id 0 as masked padding."""

import keras


@keras.saving.register_keras_serializable(package="keras_o2v")
class TokenEmbedding(keras.layers.Embedding):
    """An `Embedding` whose id 0 is padding: it is masked and embeds to zeros.

    Call it on int ids `[batch, length]`; it returns `[batch, length, output_dim]`
    with the rows of id 0 set to zero, and a mask `ids != 0` for the next layer.

    Args:
        input_dim: vocabulary size (ids must be `< input_dim`).
        output_dim: embedding width.
        **kwargs: forwarded to `keras.layers.Embedding` (initializer, trainable, ...).

    Example:
    >>> layer = keras_o2v.layers.TokenEmbedding(10, 4)
    >>> layer(np.array([[3, 1, 0]])).shape
    TensorShape([1, 3, 4])
    """

    def __init__(self, input_dim, output_dim, **kwargs):
        kwargs["mask_zero"] = True
        super().__init__(input_dim, output_dim, **kwargs)

    def call(self, inputs):
        embedded = super().call(inputs)
        not_padding = keras.ops.cast(keras.ops.not_equal(inputs, 0), embedded.dtype)
        return embedded * keras.ops.expand_dims(not_padding, -1)

    def get_config(self):
        config = super().get_config()
        config.pop("mask_zero", None)
        return config

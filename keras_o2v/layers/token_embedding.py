"""Token embedding table with id 0 as masked padding, and optionally frozen rows.

Frozen rows (`freeze_rows=True`): the layer holds a non-trainable float
`frozen_rows` weight `[input_dim]` (1.0 = frozen). The forward value is the
table row as usual, but no gradient reaches a frozen row: its gradient slice
is exactly zero. This is how `encN_freeze_pretrained_embedding=True` keeps
the pretrained vectors fixed while the rows without a pretrained vector (and
the padding row) keep training: freezing a random row would only make it a
fixed random vector. The mask is a layer weight, so it is saved in `.keras`
files and checkpoints, and restored with them.

A zero gradient leaves a row unchanged under every SageMaker optimizer (Adam,
Adagrad, SGD, RMSprop, Adadelta: the moments of a row that only ever saw zero
stay zero); decoupled weight decay would still shrink the row, so
`Object2Vec.compile` excludes tables with frozen rows from weight decay.
"""

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="keras_o2v")
class TokenEmbedding(keras.layers.Embedding):
    """An `Embedding` whose id 0 is padding: it is masked and embeds to zeros.

    Call it on int ids `[batch, length]`; it returns `[batch, length, output_dim]`
    with the rows of id 0 set to zero, and a mask `ids != 0` for the next layer.
    With `freeze_rows=True` the rows marked in `frozen_rows` get no gradient
    (see the module docstring); `load_rows` fills rows and marks them.

    Args:
        input_dim: vocabulary size (ids must be `< input_dim`).
        output_dim: embedding width.
        freeze_rows: create the `frozen_rows` mask (all rows trainable at first).
        **kwargs: forwarded to `keras.layers.Embedding` (initializer, trainable, ...).

    Example:
    >>> layer = keras_o2v.layers.TokenEmbedding(10, 4)
    >>> layer(np.array([[3, 1, 0]])).shape
    TensorShape([1, 3, 4])
    """

    def __init__(self, input_dim, output_dim, freeze_rows=False, **kwargs):
        kwargs["mask_zero"] = True
        super().__init__(input_dim, output_dim, **kwargs)
        self.freeze_rows = bool(freeze_rows)

    def build(self, input_shape=None):
        if self.built:
            return
        super().build(input_shape)
        if self.freeze_rows:
            self.frozen_rows = self.add_weight(
                shape=(self.input_dim,), initializer="zeros", name="frozen_rows",
                trainable=False)

    def call(self, inputs):
        embedded = super().call(inputs)
        if self.freeze_rows:
            frozen = keras.ops.expand_dims(
                keras.ops.cast(keras.ops.take(self.frozen_rows, inputs, axis=0), embedded.dtype),
                -1)
            embedded = embedded * (1.0 - frozen) + keras.ops.stop_gradient(embedded) * frozen
        not_padding = keras.ops.cast(keras.ops.not_equal(inputs, 0), embedded.dtype)
        return embedded * keras.ops.expand_dims(not_padding, -1)

    def load_rows(self, vectors, rows, freeze=False):
        """Overwrites table rows, e.g. with pretrained vectors, and optionally freezes them.

        Args:
            vectors: float array `[input_dim, output_dim]`; only `rows` are read.
            rows: bool array `[input_dim]`, the rows to overwrite.
            freeze: mark exactly these rows as frozen (needs `freeze_rows=True`).

        Example:
        >>> layer.load_rows(matrix, found, freeze=True)  # doctest: +SKIP
        """
        if not self.built:
            self.build()
        rows = np.asarray(rows, bool)
        table = keras.ops.convert_to_numpy(self.embeddings).copy()
        table[rows] = np.asarray(vectors, table.dtype)[rows]
        self.embeddings.assign(table)
        if freeze:
            if not self.freeze_rows:
                raise ValueError(f"{self.name} was built without freeze_rows=True")
            self.frozen_rows.assign(rows.astype("float32"))

    def save_own_variables(self, store):
        super().save_own_variables(store)
        if self.built and self.freeze_rows:
            store[str(len(store.keys()))] = self.frozen_rows

    def load_own_variables(self, store):
        if self.freeze_rows and self.built:
            self.frozen_rows.assign(store[str(len(store.keys()) - 1)])
        super().load_own_variables(store)

    def get_config(self):
        config = super().get_config()
        config.pop("mask_zero", None)
        config["freeze_rows"] = self.freeze_rows
        return config

"""Token embedding table with id 0 as masked padding, and optionally frozen rows.

Reading the table: a call reads the rows of the *distinct* ids of its inputs
once (`tf.unique`, then one gather), and builds the embeddings from those
rows; several inputs (the two sides of a tied table) share that one read. How
the rows are gathered depends on how the table is updated:

- `sparse_updates=True` (the optimizer changes only the rows of a batch, by
  scatter updates: the lazy optimizers of `row_sparse`, and under `dense`
  every optimizer but Adam, see `keras_o2v.optimizers.updates_rows_only`):
  the rows are gathered straight from the variable (`ResourceGather`); the
  whole table is never read. After a scatter update TensorFlow keeps a
  variable in copy-on-read mode, in which every whole-table read copies the
  table (360 MB for 300,000 x 300).
- `sparse_updates=False` (dense updates: Adam under `dense`): the table is
  read once (a `ReadVariableOp`, which shares the variable's buffer) and the
  rows gathered from it. A `ResourceGather` would switch the variable to
  copy-on-read mode, and every dense update would then copy the table first.

The gradient is one `tf.IndexedSlices` with one row per distinct id, the sum
of that id's occurrences. A batch of single ids (static length 1, e.g. a user
id) skips `tf.unique`: it would cost more than it saves.

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
import tensorflow as tf

from keras_o2v.layers.unique_rows import take_rows


@keras.saving.register_keras_serializable(package="keras_o2v")
class TokenEmbedding(keras.layers.Embedding):
    """An `Embedding` whose id 0 is padding: it is masked and embeds to zeros.

    Call it on int ids `[batch, length]`; it returns `[batch, length, output_dim]`
    with the rows of id 0 set to zero, and a mask `ids != 0` for the next layer.
    Called on a list of id tensors (the inputs sharing this table), it reads
    the table once for all of them and returns a list, without masks. With
    `as_rows=True` (list input only) each input comes back as
    `(rows, positions)` (see `keras_o2v.layers.unique_rows`), `rows` being the
    same tensor for all. With `freeze_rows=True` the rows marked in
    `frozen_rows` get no gradient (see the module docstring); `load_rows` fills
    rows and marks them.

    Args:
        input_dim: vocabulary size (ids must be `< input_dim`).
        output_dim: embedding width.
        freeze_rows: create the `frozen_rows` mask (all rows trainable at first).
        sparse_updates: the optimizer updates the table by scatter updates of
            the touched rows: gather rows from the variable instead of reading
            it whole (see the module docstring).
        **kwargs: forwarded to `keras.layers.Embedding` (initializer, trainable, ...).

    Example:
    >>> layer = keras_o2v.layers.TokenEmbedding(10, 4)
    >>> layer(np.array([[3, 1, 0]])).shape
    TensorShape([1, 3, 4])
    >>> rows, positions = layer([np.array([[3, 3, 0]])], as_rows=True)[0]
    >>> rows.shape, positions.numpy().tolist()
    (TensorShape([2, 4]), [[0, 0, 1]])
    """

    def __init__(self, input_dim, output_dim, freeze_rows=False, sparse_updates=False,
                 **kwargs):
        kwargs["mask_zero"] = True
        super().__init__(input_dim, output_dim, **kwargs)
        self.freeze_rows = bool(freeze_rows)
        self.sparse_updates = bool(sparse_updates)

    def build(self, input_shape=None):
        if self.built:
            return
        super().build(input_shape)
        if self.freeze_rows:
            self.frozen_rows = self.add_weight(
                shape=(self.input_dim,), initializer="zeros", name="frozen_rows",
                trainable=False)

    def call(self, inputs, as_rows=False):
        several = isinstance(inputs, (list, tuple))
        if as_rows and not several:
            raise ValueError("as_rows=True needs a list of id tensors")
        id_tensors = [tf.convert_to_tensor(ids) for ids in (inputs if several else [inputs])]
        flat = [tf.reshape(ids, [-1]) for ids in id_tensors]
        ids = flat[0] if len(flat) == 1 else tf.concat(flat, axis=0)
        sizes = [tf.size(f) for f in flat]
        if not as_rows and all(t.shape.rank == 2 and t.shape[1] == 1 for t in id_tensors):
            embedded = self._rows(ids)  # single ids: one row each, no tf.unique
            parts = tf.split(embedded, sizes) if len(flat) > 1 else [embedded]
            outputs = [tf.expand_dims(e, 1) for e in parts]
        else:
            unique_ids, index = tf.unique(ids)
            rows = self._rows(unique_ids)
            index = tf.split(index, sizes) if len(flat) > 1 else [index]
            positions = [tf.reshape(i, tf.shape(t)) for i, t in zip(index, id_tensors)]
            if as_rows:
                return [(rows, p) for p in positions]
            outputs = [take_rows(rows, p) for p in positions]
        return outputs if several else outputs[0]

    def _rows(self, ids):
        """The table rows of `ids` `[n]`: padding zeroed, frozen rows without gradient."""
        table = self.embeddings
        if self.sparse_updates and isinstance(table, keras.Variable):
            rows = tf.gather(table.value, ids)  # ResourceGather: these rows only
        else:
            rows = tf.gather(tf.convert_to_tensor(table), ids)  # one ReadVariableOp
        if self.freeze_rows:
            frozen = tf.cast(tf.gather(self.frozen_rows.value, ids), rows.dtype)[:, None]
            rows = rows * (1.0 - frozen) + tf.stop_gradient(rows) * frozen
        return rows * tf.cast(tf.not_equal(ids, 0), rows.dtype)[:, None]

    def compute_mask(self, inputs, mask=None):
        if isinstance(inputs, (list, tuple)):
            return None
        return super().compute_mask(inputs, mask)

    def compute_output_spec(self, inputs, as_rows=False):
        if not isinstance(inputs, (list, tuple)):
            return super().compute_output_spec(inputs)
        if as_rows:
            rows = keras.KerasTensor((None, self.output_dim), dtype=self.compute_dtype)
            return [(rows, keras.KerasTensor(ids.shape, dtype="int32")) for ids in inputs]
        return [super(TokenEmbedding, self).compute_output_spec(ids) for ids in inputs]

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
        config["sparse_updates"] = self.sparse_updates
        return config

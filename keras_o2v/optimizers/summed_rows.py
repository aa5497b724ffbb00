"""Keras optimizers that sum repeated rows of a sparse gradient before updating.

A token table's gradient is a `tf.IndexedSlices` with one row per id *occurrence*
in the batch, so an id seen k times appears k times. Keras 3 (TensorFlow backend)
applies element-wise ops to the rows of an `IndexedSlices` as they are:
`ops.square(gradient)` squares each occurrence, and the rows are summed only when
the result is densified. Adam, Adagrad, Adadelta and RMSprop then accumulate
`g_1**2 + ... + g_k**2` instead of `(g_1 + ... + g_k)**2` for that row: the
second moment of every token that repeats within a batch (a popular movie, a
frequent word, a user with many ratings) is too small, and its steps too large,
by up to sqrt(k). These subclasses sum repeated rows first (as TF1's optimizers
did with `_deduplicate_indexed_slices`), so the update is exactly the update of
the dense gradient; dense gradients pass through unchanged. Summing happens in
`update_step`, after the cross-replica reduction of `tf.distribute` strategies,
which concatenates the replicas' rows.

`SummedRowsAdam` runs its update in TensorFlow's fused Adam kernel
(`keras_o2v.optimizers.fused`: same formulas and slots, one pass over the
variable instead of Keras' separate element-wise ops), densifying a sparse
gradient first, which sums its repeated rows. The other classes keep Keras'
update: TensorFlow's fused Adagrad puts epsilon outside the square root, and its
RMSprop and Adadelta kernels need slots Keras does not have.

The classes keep their parents' slot variables and configs, so optimizer state
saved by the parent class loads into them; they are registered for Keras
serialization (also under the names `keras_o2v>Adam`, ... that files saved by
keras_o2v 0.1 hold). SGD needs no such class: its update is linear in the gradient.

Example:
>>> optimizer = keras_o2v.optimizers.SummedRowsAdam(learning_rate=0.002)  # doctest: +SKIP
"""

import keras
import tensorflow as tf

from keras_o2v.optimizers.fused import FusedAdamMixin
from keras_o2v.optimizers.sparse_rows import unique_rows


class SumRepeatedRowsMixin:
    """Sums the rows of a `tf.IndexedSlices` gradient per row id before `update_step`."""

    def update_step(self, gradient, variable, learning_rate):
        if isinstance(gradient, tf.IndexedSlices):
            rows, values = unique_rows(gradient)
            gradient = tf.IndexedSlices(values, rows, gradient.dense_shape)
        return super().update_step(gradient, variable, learning_rate)


@keras.saving.register_keras_serializable(package="keras_o2v")
class SummedRowsAdam(FusedAdamMixin, keras.optimizers.Adam):
    """`keras.optimizers.Adam` with repeated sparse-gradient rows summed first, fused.

    The update is TensorFlow's fused kernel (`FusedAdamMixin`) on the dense
    gradient (a sparse one is densified, which sums its repeated rows).
    """


@keras.saving.register_keras_serializable(package="keras_o2v")
class SummedRowsAdagrad(SumRepeatedRowsMixin, keras.optimizers.Adagrad):
    """`keras.optimizers.Adagrad` with repeated sparse-gradient rows summed first."""


@keras.saving.register_keras_serializable(package="keras_o2v")
class SummedRowsAdadelta(SumRepeatedRowsMixin, keras.optimizers.Adadelta):
    """`keras.optimizers.Adadelta` with repeated sparse-gradient rows summed first."""


@keras.saving.register_keras_serializable(package="keras_o2v")
class SummedRowsRMSprop(SumRepeatedRowsMixin, keras.optimizers.RMSprop):
    """`keras.optimizers.RMSprop` with repeated sparse-gradient rows summed first."""


# Files saved before the classes had names of their own refer to them as keras_o2v>Adam, ...
for _cls in (SummedRowsAdam, SummedRowsAdagrad, SummedRowsAdadelta, SummedRowsRMSprop):
    keras.saving.get_custom_objects()["keras_o2v>" + _cls.__name__[len("SummedRows"):]] = _cls

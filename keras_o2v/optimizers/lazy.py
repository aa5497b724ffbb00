"""Lazy (row-wise) optimizers for `token_embedding_storage_type=row_sparse`.

The gradient of a token table is a `tf.IndexedSlices` (the embedding lookup is
a gather): values for the rows of the ids seen in the batch only. Keras 3's
stock optimizers turn it into a dense `[vocab_size, dim]` tensor and update
every row and every moment of the table, which is what `dense` means here.
Under `row_sparse` these subclasses instead update only the touched rows of
the variable *and of its optimizer slots* ("lazy" updates, as MXNet's
`lazy_update=True`, which SageMaker's container used): a row that no id of the
batch refers to keeps its value and its moments bit for bit.

Rules for an `IndexedSlices` gradient (repeated ids are summed first):
    - `LazySGD`: `w[r] -= lr * g[r]` (with momentum, the momentum of row r only).
    - `LazyAdam`: the moments of the touched rows are updated with Adam's
      formulas and the global step's bias correction (as TF-Addons' LazyAdam
      and MXNet's lazy Adam); untouched rows' moments do not decay.
    - `LazyAdagrad`: the accumulator of the touched rows grows by `g[r]**2`.
Only these three are offered, because SageMaker allows only `adam`,
`adagrad` and `sgd` with `row_sparse` (the rule is checked by
`Hyperparameters`). Dense gradients (every other weight) use the parent
class's rule unchanged (`LazyAdam`'s in TensorFlow's fused kernel, see
`keras_o2v.optimizers.fused`).

Weight decay (decoupled, `w -= lr * weight_decay * w`, see
`keras_o2v.optimizers.make_optimizer`) is applied to the touched rows only for a variable
with a sparse gradient; dense variables are decayed as usual. Variables passed
to `exclude_from_weight_decay` are never decayed.

The classes have the same slot variables as their parents, so the optimizer
state saved in a `.keras` file or checkpoint restores into them, and they are
registered for Keras serialization. They work under `tf.distribute` strategies:
the gradient all-reduce of `IndexedSlices` keeps them sparse, and the update
runs on each replica's copy.

Example:
>>> optimizer = keras_o2v.optimizers.LazyAdam(learning_rate=0.01)  # doctest: +SKIP
>>> model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")  # doctest: +SKIP
"""

import keras
import tensorflow as tf

from keras_o2v.optimizers.fused import FusedAdamMixin
from keras_o2v.optimizers.sparse_rows import gather_rows, unique_rows


class LazyRowsMixin:
    """Routes `tf.IndexedSlices` gradients to a row-wise `_lazy_update`.

    Subclasses implement `_lazy_update(rows, gradient, variable, learning_rate)`
    where `rows` are unique row ids and `gradient` their summed gradient rows;
    it updates the rows of the slots and returns the amount to subtract from
    the variable's rows. Slots are written with scatter *updates* of the new
    rows (`ResourceScatterUpdate` copies rows; on CPU it is about 3x faster than
    `ResourceScatterAdd`); the variable gets one `ResourceScatterSub`, or with
    weight decay a gather of its rows and a scatter update.
    """

    def _backend_apply_gradients(self, grads, trainable_variables):
        # Python-side (trace time): which variables get a sparse gradient this step.
        self._lazy_keys = {
            self._var_key(variable) for grad, variable in zip(grads, trainable_variables)
            if isinstance(grad, tf.IndexedSlices)
        }
        return super()._backend_apply_gradients(grads, trainable_variables)

    def _use_weight_decay(self, variable):
        # The dense decay pass skips lazily updated variables: their touched
        # rows are decayed in update_step instead.
        if self._var_key(variable) in getattr(self, "_lazy_keys", ()):
            return False
        return super()._use_weight_decay(variable)

    def update_step(self, gradient, variable, learning_rate):
        if not isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable, learning_rate)
        rows, values = unique_rows(gradient)
        values = tf.cast(values, variable.dtype)
        lr = tf.cast(learning_rate, variable.dtype)
        decrement = self._lazy_update(rows, values, variable, lr)
        if self.weight_decay is not None and super()._use_weight_decay(variable):
            weights = gather_rows(variable, rows)
            decay = tf.cast(self.weight_decay, variable.dtype)
            weights = weights - weights * decay * lr - decrement
            self.assign(variable, tf.IndexedSlices(weights, rows))
        else:
            self.assign_sub(variable, tf.IndexedSlices(decrement, rows))

    def _slot(self, slots, variable):
        return slots[self._get_variable_index(variable)]


@keras.saving.register_keras_serializable(package="keras_o2v")
class LazySGD(LazyRowsMixin, keras.optimizers.SGD):
    """`keras.optimizers.SGD` updating only the touched rows of sparse gradients.

    Args:
        **kwargs: as `keras.optimizers.SGD` (`learning_rate`, `momentum`, ...).

    Example:
    >>> optimizer = LazySGD(learning_rate=0.1)  # doctest: +SKIP
    """

    def _lazy_update(self, rows, gradient, variable, lr):
        if self.momentum == 0:
            return gradient * lr
        m = self._slot(self.momentums, variable)
        momentum = tf.cast(self.momentum, variable.dtype)
        m_rows = gather_rows(m, rows) * momentum - gradient * lr
        self.assign(m, tf.IndexedSlices(m_rows, rows))
        step = m_rows * momentum - gradient * lr if self.nesterov else m_rows
        return -step


@keras.saving.register_keras_serializable(package="keras_o2v")
class LazyAdam(LazyRowsMixin, FusedAdamMixin, keras.optimizers.Adam):
    """`keras.optimizers.Adam` with lazy row-wise moments for sparse gradients.

    Dense gradients (the weights other than token tables) get Adam's update in
    TensorFlow's fused kernel (`keras_o2v.optimizers.fused`).

    Args:
        **kwargs: as `keras.optimizers.Adam` (`learning_rate`, `beta_1`, ...).

    Example:
    >>> optimizer = LazyAdam(learning_rate=0.001)  # doctest: +SKIP
    """

    def _lazy_update(self, rows, gradient, variable, lr):
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        alpha = lr * tf.sqrt(1 - tf.pow(beta_2, step)) / (1 - tf.pow(beta_1, step))
        m = self._slot(self._momentums, variable)
        v = self._slot(self._velocities, variable)
        m_rows = gather_rows(m, rows)
        v_rows = gather_rows(v, rows)
        m_rows = m_rows + (gradient - m_rows) * (1 - beta_1)
        v_rows = v_rows + (tf.square(gradient) - v_rows) * (1 - beta_2)
        self.assign(m, tf.IndexedSlices(m_rows, rows))
        self.assign(v, tf.IndexedSlices(v_rows, rows))
        if self.amsgrad:
            v_hat = self._slot(self._velocity_hats, variable)
            v_rows = tf.maximum(gather_rows(v_hat, rows), v_rows)
            self.assign(v_hat, tf.IndexedSlices(v_rows, rows))
        return (m_rows * alpha) / (tf.sqrt(v_rows) + self.epsilon)


@keras.saving.register_keras_serializable(package="keras_o2v")
class LazyAdagrad(LazyRowsMixin, keras.optimizers.Adagrad):
    """`keras.optimizers.Adagrad` accumulating only the touched rows of sparse gradients.

    Args:
        **kwargs: as `keras.optimizers.Adagrad` (`learning_rate`, ...).

    Example:
    >>> optimizer = LazyAdagrad(learning_rate=0.01)  # doctest: +SKIP
    """

    def _lazy_update(self, rows, gradient, variable, lr):
        accumulator = self._slot(self._accumulators, variable)
        acc_rows = gather_rows(accumulator, rows) + tf.square(gradient)
        self.assign(accumulator, tf.IndexedSlices(acc_rows, rows))
        return (lr * gradient) / tf.sqrt(acc_rows + self.epsilon)

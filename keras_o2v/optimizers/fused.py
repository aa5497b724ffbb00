"""Adam's dense update in TensorFlow's fused kernel, with Keras' formulas and state.

Keras 3's `Adam.update_step` is a handful of separate element-wise ops, each a
pass over the variable or its moments (for a 300,000 x 300 token table: 360 MB
each). TensorFlow's `ResourceApplyAdam` kernel (`ResourceApplyAdamWithAmsgrad`
with `amsgrad=True`) computes the same update in one pass:

    alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
    m += (g - m) * (1 - beta_1);  v += (g**2 - v) * (1 - beta_2)
    v_hat = max(v_hat, v)  (amsgrad; then v_hat replaces v below)
    w -= alpha * m / (sqrt(v) + epsilon)

with `t = iterations + 1`: the formulas of `keras.optimizers.Adam`, on its own
slot variables, so the optimizer state is the same and saved state loads
either way. A sparse gradient (`tf.IndexedSlices`) is densified first, which
sums repeated rows: the update is the dense gradient's update. Decoupled weight
decay stays Keras' own pass before the update.

Example:
>>> class FastAdam(FusedAdamMixin, keras.optimizers.Adam):  # doctest: +SKIP
...     pass
"""

import keras
import tensorflow as tf


class FusedAdamMixin:
    """Runs `keras.optimizers.Adam`'s `update_step` in TensorFlow's fused kernel."""

    def update_step(self, gradient, variable, learning_rate):
        if isinstance(variable, keras.Variable):
            variable = variable.value
        if not hasattr(variable, "handle"):  # not a TensorFlow resource variable
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        gradient = tf.cast(tf.convert_to_tensor(gradient), dtype)  # sums repeated rows
        step = tf.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        index = self._get_variable_index(variable)
        arguments = dict(
            var=variable.handle, m=self._momentums[index].value.handle,
            v=self._velocities[index].value.handle,
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype), beta1=beta_1, beta2=beta_2,
            epsilon=tf.cast(self.epsilon, dtype), grad=gradient)
        if self.amsgrad:
            tf.raw_ops.ResourceApplyAdamWithAmsgrad(
                vhat=self._velocity_hats[index].value.handle, **arguments)
        else:
            tf.raw_ops.ResourceApplyAdam(**arguments)

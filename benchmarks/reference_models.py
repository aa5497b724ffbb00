"""Hand-written references of the networks the training benchmarks time keras_o2v on.

- `PlainTFDocumentPairs`: SageMaker's Wikipedia document-embedding network
  (pooled_embedding: the mean of the token vectors of each side, one table tied
  between the sides, hadamard comparator, MLP of relu layers with dropout, a
  softmax over 2 classes, Adam), written in plain TensorFlow: variables, a
  `tf.GradientTape` and `tf.raw_ops` updates in one `tf.function`. With
  `lazy=True` the table gets a lazy Adam update written the standard way
  (`tf.unique` of the gradient's ids, `tf.math.unsorted_segment_sum` of their
  rows, gather of the moments of those rows, scatter of the new rows); with
  `lazy=False` the table gradient is densified and every variable goes through
  TensorFlow's fused `ResourceApplyAdam` kernel. The lazy variant looks rows
  up with `tf.nn.embedding_lookup` on the variable (a `ResourceGather`); the
  dense one reads the table (`ReadVariableOp`) and gathers from that value: a
  `ResourceGather` would switch the variable to copy-on-read mode, in which the
  fused kernel copies the whole table before every update (measured: slower).
- `keras_pair_model`: a hand-written Keras model of one id per side (MovieLens:
  user id, movie id), two `keras.layers.Embedding` tables, dropout,
  `[u * v, u, v]`, one relu layer, a linear output, AdamW and MSE: the tuned
  MovieLens network (`keras_o2v.presets.MOVIELENS_RATING`) with no masking,
  truncation or pooling.

Both use Keras' default initialisers (uniform(-0.05, 0.05) tables, Glorot
uniform weights, zero biases).

Example:
>>> net = PlainTFDocumentPairs(vocab_size=1000, dim=16, lazy=True)
>>> loss = net.train_step(in0, in1, labels)  # doctest: +SKIP
"""

import keras
import numpy as np
import tensorflow as tf


def _glorot(rng, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return tf.Variable(rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32))


class PlainTFDocumentPairs(tf.Module):
    """SageMaker's document-pair network in plain TensorFlow, with lazy or fused dense Adam.

    Call `train_step(in0, in1, labels)` on int64 ids `[batch, length]` (0 = padding)
    and int labels `[batch]`; it returns the batch's mean cross-entropy.

    Args:
        vocab_size: rows of the tied token table.
        dim: token vector width.
        hidden: width of each MLP layer.
        mlp_layers: number of MLP layers.
        classes: softmax classes.
        dropout: dropout rate on the encodings and after every MLP layer.
        learning_rate, beta_1, beta_2, epsilon: Adam's (Keras' defaults but the rate).
        lazy: lazy row-wise Adam for the table (True) or dense fused Adam (False).
        seed: initialisation seed.
    """

    def __init__(self, vocab_size, dim, hidden=512, mlp_layers=2, classes=2, dropout=0.4,
                 learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7, lazy=True,
                 seed=0):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.table = tf.Variable(rng.uniform(-0.05, 0.05, (vocab_size, dim)).astype(np.float32))
        widths = [dim] + [hidden] * mlp_layers + [classes]
        self.kernels = [_glorot(rng, a, b) for a, b in zip(widths[:-1], widths[1:])]
        self.biases = [tf.Variable(np.zeros(b, np.float32)) for b in widths[1:]]
        self.weights = [self.table, *self.kernels, *self.biases]
        self.moments = [(tf.Variable(tf.zeros_like(w)), tf.Variable(tf.zeros_like(w)))
                        for w in self.weights]
        self.iterations = tf.Variable(0, dtype=tf.int64)
        self.dropout, self.lazy = dropout, lazy
        self.hyper = [float(v) for v in (learning_rate, beta_1, beta_2, epsilon)]
        spec = tf.TensorSpec([None, None], tf.int64)
        self.train_step = tf.function(
            self._train_step, input_signature=[spec, spec, tf.TensorSpec([None], tf.int64)])

    def _encode(self, ids):
        table = self.table if self.lazy else tf.convert_to_tensor(self.table)
        vectors = tf.nn.embedding_lookup(table, ids)
        mask = tf.cast(tf.not_equal(ids, 0), tf.float32)[:, :, None]
        return tf.reduce_sum(vectors * mask, 1) / tf.maximum(tf.reduce_sum(mask, 1), 1.0)

    def _train_step(self, in0, in1, labels):
        with tf.GradientTape() as tape:
            x = (tf.nn.dropout(self._encode(in0), self.dropout)
                 * tf.nn.dropout(self._encode(in1), self.dropout))
            for kernel, bias in zip(self.kernels[:-1], self.biases[:-1]):
                x = tf.nn.dropout(tf.nn.relu(x @ kernel + bias), self.dropout)
            logits = x @ self.kernels[-1] + self.biases[-1]
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
        grads = tape.gradient(loss, self.weights)
        lr, beta_1, beta_2, epsilon = self.hyper
        step = tf.cast(self.iterations + 1, tf.float32)
        beta_1_power, beta_2_power = tf.pow(beta_1, step), tf.pow(beta_2, step)
        for grad, weight, (m, v) in zip(grads, self.weights, self.moments):
            if self.lazy and isinstance(grad, tf.IndexedSlices):
                _lazy_adam(grad, weight, m, v, lr, beta_1, beta_2, epsilon,
                           beta_1_power, beta_2_power)
            else:
                tf.raw_ops.ResourceApplyAdam(
                    var=weight.handle, m=m.handle, v=v.handle, beta1_power=beta_1_power,
                    beta2_power=beta_2_power, lr=lr, beta1=beta_1, beta2=beta_2,
                    epsilon=epsilon, grad=tf.convert_to_tensor(grad))
        self.iterations.assign_add(1)
        return loss


def _lazy_adam(grad, weight, m, v, lr, beta_1, beta_2, epsilon, beta_1_power, beta_2_power):
    rows, positions = tf.unique(grad.indices)
    g = tf.math.unsorted_segment_sum(grad.values, positions, tf.shape(rows)[0])
    m_rows = beta_1 * tf.gather(m, rows) + (1 - beta_1) * g
    v_rows = beta_2 * tf.gather(v, rows) + (1 - beta_2) * tf.square(g)
    m.scatter_update(tf.IndexedSlices(m_rows, rows))
    v.scatter_update(tf.IndexedSlices(v_rows, rows))
    alpha = lr * tf.sqrt(1 - beta_2_power) / (1 - beta_1_power)
    weight.scatter_sub(tf.IndexedSlices(alpha * m_rows / (tf.sqrt(v_rows) + epsilon), rows))


def keras_pair_model(num_users, num_items, dim=128, hidden=256, dropout=0.4,
                     learning_rate=0.002, weight_decay=0.6):
    """The hand-written Keras equivalent of the tuned MovieLens network for single ids.

    Inputs `user` and `item`: int64 `[batch]`. Compiled with AdamW and MSE.
    """
    user = keras.Input((), dtype="int64", name="user")
    item = keras.Input((), dtype="int64", name="item")
    u = keras.layers.Dropout(dropout)(keras.layers.Embedding(num_users, dim)(user))
    v = keras.layers.Dropout(dropout)(keras.layers.Embedding(num_items, dim)(item))
    x = keras.layers.Concatenate()([keras.layers.Multiply()([u, v]), u, v])
    x = keras.layers.Dense(hidden, activation="relu")(x)
    x = keras.layers.Dropout(dropout)(x)
    model = keras.Model([user, item], keras.layers.Dense(1)(x))
    model.compile(keras.optimizers.AdamW(learning_rate, weight_decay=weight_decay), "mse")
    return model

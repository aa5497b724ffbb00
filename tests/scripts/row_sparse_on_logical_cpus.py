"""Trains a row_sparse model on 1 and on 2 logical CPUs (MirroredStrategy) and compares.

Prints "SAME" when both runs end with the same weights, every untouched token
row kept its initial value, and the optimizer is the lazy one.
Usage: row_sparse_on_logical_cpus.py
"""

import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402

from keras_o2v import Hyperparameters, Object2Vec  # noqa: E402

HP = Hyperparameters(enc0_max_seq_len=3, enc0_vocab_size=30, enc0_network="pooled_embedding",
                     enc0_token_embedding_dim=4, mlp_dim=8, mlp_layers=1, optimizer="adam",
                     tied_token_embedding_weight=True, learning_rate=0.05, weight_decay=0.01,
                     token_embedding_storage_type="row_sparse")
rng = np.random.default_rng(0)
IN0 = rng.integers(1, 15, size=(64, 3))  # ids >= 15 never occur
IN1 = rng.integers(1, 15, size=(64, 3))
LABELS = rng.integers(0, 2, size=64)


def run(strategy):
    keras.utils.set_random_seed(1)
    with strategy.scope():
        model = Object2Vec(HP)
        model.compile()
    initial = np.asarray(model.token_embeddings[0].embeddings).copy()
    data = tf.data.Dataset.from_tensor_slices(({"in0": IN0, "in1": IN1}, LABELS)).batch(16)
    model.fit(data, epochs=2, verbose=0, shuffle=False)
    return model, initial


devices = [d.name for d in tf.config.list_logical_devices("CPU")]
one, one_initial = run(tf.distribute.OneDeviceStrategy(devices[0]))
two, two_initial = run(tf.distribute.MirroredStrategy(devices))
assert type(two.optimizer).__name__ == "LazyAdam", type(two.optimizer)
np.testing.assert_array_equal(one_initial, two_initial)
table = np.asarray(two.token_embeddings[0].embeddings)
np.testing.assert_array_equal(table[15:], two_initial[15:])
assert not np.array_equal(table[1:15], two_initial[1:15])
for a, b in zip(one.get_weights(), two.get_weights()):
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
print("SAME")

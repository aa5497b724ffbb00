"""Trains on N logical CPU devices (MirroredStrategy when N > 1); prints metrics and the kept rate.

Usage: train_on_logical_cpus.py N TRAIN VALIDATION MODEL_DIR
"""

import json
import sys

import keras
import tensorflow as tf

count = int(sys.argv[1])
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras_o2v  # noqa: E402

devices = [d.name for d in tf.config.list_logical_devices("CPU")][:count]
if count > 1:
    strategy = tf.distribute.MirroredStrategy(devices)
else:
    strategy = tf.distribute.OneDeviceStrategy(devices[0])
hp = {"enc0_max_seq_len": 1, "enc0_vocab_size": 60, "enc0_network": "pooled_embedding",
      "enc0_token_embedding_dim": 16, "mlp_dim": 32, "learning_rate": 0.01,
      "mini_batch_size": 64, "epochs": 3, "early_stopping_patience": 5,
      "learning_rate_decay": 0.7}  # the per-epoch rate callback must work under MirroredStrategy
result = keras_o2v.train(hp, train=sys.argv[2], validation=sys.argv[3], model_dir=sys.argv[4],
                         strategy=strategy, seed=7, verbose=0)
print("REPLICAS", strategy.num_replicas_in_sync)
print("RESULT", json.dumps(result.history[-1]))
rate = float(keras.ops.convert_to_numpy(result.model.optimizer.learning_rate))
print("LEARNING_RATE", json.dumps({"best_epoch": result.best_epoch, "rate": rate}))

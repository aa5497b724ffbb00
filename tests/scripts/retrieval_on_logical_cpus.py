"""Retrieval mode under MirroredStrategy on 2 logical CPU devices.

Prints `LOSSES` (the 2-replica evaluation loss of one batch, the mean loss of its two
halves and the loss of the whole batch on one device: in-batch negatives are not
gathered across replicas, so the first equals the second) and `RESULT` (the last
epoch of a 2-replica training job with ranking metrics).
Usage: retrieval_on_logical_cpus.py WORK_DIR
"""

import json
import os
import sys

import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402

import keras_o2v  # noqa: E402
from tests.harness import write_jsonl  # noqa: E402
from tests.retrieval_data import group_pairs, hyperparameters  # noqa: E402

work = sys.argv[1]
train = write_jsonl(os.path.join(work, "train.jsonl"), group_pairs(6, seed=1))
validation = write_jsonl(os.path.join(work, "validation.jsonl"), group_pairs(2, seed=2))
strategy = tf.distribute.MirroredStrategy([d.name for d in tf.config.list_logical_devices("CPU")])
hp = keras_o2v.Hyperparameters.from_dict(hyperparameters(
    retrieval_negatives="in_batch", epochs="1", learning_rate="0.05"))

keras.utils.set_random_seed(0)
with strategy.scope():
    model = keras_o2v.Object2Vec(hp)
    model.adapt(train)
    model.compile()


def retrieval_loss(x, y):
    return model.task.loss_and_weight(model.backbone(x), y, inputs=x, backbone=model.backbone)


batch = next(iter(keras_o2v.make_dataset(train, hp, training=False, batch_size=16)))
x, y = batch
evaluated = model.evaluate(tf.data.Dataset.from_tensors(batch), verbose=0, return_dict=True)
halves = [float(retrieval_loss({k: v[s] for k, v in x.items()}, y[s])[0])
          for s in (slice(0, 8), slice(8, 16))]
whole = float(retrieval_loss(x, y)[0])
print("LOSSES", json.dumps({"replicas": strategy.num_replicas_in_sync,
                            "evaluated": float(evaluated["loss"]),
                            "halves": float(np.mean(halves)), "whole": whole}))
result = keras_o2v.train(hp, train=train, validation=validation,
                         model_dir=os.path.join(work, "job"), strategy=strategy, seed=0, verbose=0)
print("RESULT", json.dumps(result.history[-1]))

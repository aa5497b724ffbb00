"""Chooses the `tf.distribute` strategy of a training job.

- `TF_CONFIG` naming more than one worker: `MultiWorkerMirroredStrategy`
  (several machines; every worker runs the same command, the chief writes
  `model_dir`).
- Otherwise `MirroredStrategy` over the requested GPUs when more than one is
  used; one device otherwise (the default strategy).
"""

import json
import os

import tensorflow as tf


def multi_worker_config():
    """The parsed `TF_CONFIG` when it names several workers, else None."""
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        return None
    config = json.loads(raw)
    cluster = config.get("cluster", {})
    workers = len(cluster.get("worker", [])) + len(cluster.get("chief", []))
    return config if workers > 1 else None


def is_chief(config=None):
    """Whether this process writes `model_dir` (always, outside multi-worker jobs)."""
    config = config if config is not None else multi_worker_config()
    if not config:
        return True
    task = config.get("task", {})
    if "chief" in config.get("cluster", {}):
        return task.get("type") == "chief"
    return task.get("type") == "worker" and int(task.get("index", 0)) == 0


def choose_strategy(gpus="all"):
    """Returns the strategy for `gpus` ("all", or a count) and the environment.

    Args:
        gpus: "all" (every visible GPU), or the number of GPUs to use. With no
            GPU visible the job runs on one CPU device.
    """
    if multi_worker_config():
        return tf.distribute.MultiWorkerMirroredStrategy()
    visible = tf.config.list_logical_devices("GPU")
    count = len(visible) if gpus in (None, "all") else int(gpus)
    if count > len(visible):
        raise ValueError(f"--gpus {gpus} asked for more GPUs than the {len(visible)} visible")
    if count > 1:
        return tf.distribute.MirroredStrategy([d.name for d in visible[:count]])
    return tf.distribute.get_strategy()

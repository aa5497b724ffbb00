"""Chooses the `tf.distribute` strategy of a training job.

- `TF_CONFIG` naming more than one worker: `MultiWorkerMirroredStrategy`
  (several machines; every worker runs the same command, the chief writes
  `model_dir`).
- Otherwise `MirroredStrategy` over the chosen devices when there are several,
  one device otherwise (the default strategy). Devices are the visible GPUs
  (`gpus`: all of them by default, or the first N), or a `devices` string:
  `cpu` (one CPU device), `cpu:N` (the CPU split into N logical devices, which is
  how MirroredStrategy is tried on a machine without GPUs), `gpu` (all GPUs) or
  `gpu:N` (the first N).
"""

import json
import os
import re

import tensorflow as tf

from keras_o2v.errors import O2VError

_DEVICES = re.compile(r"^(cpu|gpu)(?::(\d+|all))?$")


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


def parse_devices(spec):
    """`("cpu"|"gpu", count or None for all)` of a devices string such as `cpu:2`.

    Raises:
        O2VError: the string is not `cpu`, `cpu:N`, `gpu`, `gpu:all` or `gpu:N`.
    """
    match = _DEVICES.match(str(spec).strip().lower())
    if not match or match.group(2) == "0" or (match.group(1) == "cpu" and match.group(2) == "all"):
        raise O2VError(f"--devices {spec}: expected cpu, cpu:N (N logical CPU devices), gpu, "
                       "gpu:all or gpu:N, with N >= 1")
    kind, count = match.groups()
    return kind, None if count in (None, "all") else int(count)


def configure_devices(spec):
    """Makes the devices of a `devices` string visible and returns their names.

    `cpu:N` splits the CPU into N logical devices, which TensorFlow allows only
    before it initialises its devices (before the first op runs); call this
    first thing. When the logical CPUs already exist it just returns them.

    Args:
        spec: see `parse_devices`.

    Returns:
        The TensorFlow device names to train on.

    Raises:
        O2VError: a bad string, more GPUs than visible, or CPUs that can no
            longer be split.

    Example:
    >>> configure_devices("cpu:2")  # doctest: +SKIP
    ['/job:localhost/replica:0/task:0/device:CPU:0', '/job:localhost/replica:0/task:0/device:CPU:1']
    """
    kind, count = parse_devices(spec)
    if kind == "gpu":
        return _gpu_names(count or len(tf.config.list_logical_devices("GPU")) or 1,
                          f"--devices {spec}")
    count = count or 1
    cpu = tf.config.list_physical_devices("CPU")[0]
    if count > 1 and len(tf.config.get_logical_device_configuration(cpu) or []) != count:
        try:
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration()] * count)
        except RuntimeError:
            raise O2VError(
                f"--devices {spec}: TensorFlow has already initialised its devices, so the CPU "
                f"can no longer be split into {count} logical devices; call "
                "keras_o2v.training.configure_devices first thing in the process") from None
    return [device.name for device in tf.config.list_logical_devices("CPU")][:count]


def choose_strategy(gpus=None, devices=None):
    """Returns the strategy for `gpus` or `devices`, and the environment.

    Args:
        gpus: None or "all" (every visible GPU), or the number of GPUs to use.
            With no GPU visible the job runs on one CPU device.
        devices: a devices string (`cpu:2`, `gpu:1`, ...; see `parse_devices`)
            instead of `gpus`.

    Raises:
        O2VError: more GPUs asked for than visible, a bad value, or both
            arguments given.
    """
    if multi_worker_config():
        return tf.distribute.MultiWorkerMirroredStrategy()
    if devices is not None:
        if gpus not in (None, "all"):
            raise O2VError(f"give --gpus or --devices, not both (--gpus {gpus} --devices {devices})")
        names = configure_devices(devices)
    else:
        names = _gpu_names(_gpu_count(gpus), f"--gpus {gpus}")
    if len(names) > 1:
        return tf.distribute.MirroredStrategy(names)
    if devices is not None:
        return tf.distribute.OneDeviceStrategy(names[0])
    return tf.distribute.get_strategy()


def _gpu_count(gpus):
    if gpus is None or str(gpus).strip().lower() == "all":
        return None
    try:
        count = int(str(gpus).strip())
    except ValueError:
        count = -1
    if count < 0:
        raise O2VError(f"--gpus {gpus}: expected 'all' or a number of GPUs (0 trains on the CPU)")
    return count


def _gpu_names(count, option):
    """The first `count` visible GPUs (all when None); no GPU means the CPU."""
    visible = tf.config.list_logical_devices("GPU")
    if count is not None and count > len(visible):
        names = ", ".join(d.name.rsplit("device:", 1)[-1] for d in visible) or "none"
        raise O2VError(
            f"{option}: asked for {count} GPU(s), but {len(visible)} are visible ({names}); "
            "CUDA_VISIBLE_DEVICES and the TensorFlow build decide which are. To try "
            "MirroredStrategy without GPUs, use --devices cpu:2")
    if count == 0 or not visible:
        return [tf.config.list_logical_devices("CPU")[0].name]
    return [d.name for d in visible[:count]]


def device_names(strategy):
    """Short names (`CPU:0`, `GPU:1`) of the devices `strategy` trains on in this process."""
    try:
        devices = list(strategy.extended.worker_devices)
    except RuntimeError:  # the default strategy: TensorFlow's first GPU, else the CPU
        devices = [(tf.config.list_logical_devices("GPU") or
                    tf.config.list_logical_devices("CPU"))[0].name]
    return [name.rsplit("device:", 1)[-1] for name in devices]

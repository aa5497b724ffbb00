"""SageMaker's `/opt/ml` layout and the config files a training job finds there.

```
/opt/ml/input/config/hyperparameters.json   {"name": "value", ...} (all strings)
/opt/ml/input/config/inputdataconfig.json   {"train": {"ContentType": ..., "TrainingInputMode": "File"}}
/opt/ml/input/config/resourceconfig.json    {"current_host": "algo-1", "hosts": ["algo-1", ...]}
/opt/ml/input/data/<channel>/               the channel's files
/opt/ml/model/                              uploaded as model.tar.gz; what `serve` finds
/opt/ml/checkpoints/                        synced to S3 when checkpointing is configured
/opt/ml/output/failure                      why the job failed
/opt/ml/output/tensorboard/                 TensorBoard logs (when configured)
```
"""

import json
import os

from keras_o2v.errors import O2VError

ROOT_VARIABLE = "O2V_OPT_ML"
DEFAULT_ROOT = "/opt/ml"
CHANNELS = ("train", "validation", "test", "auxiliary", "candidates")
JSONLINES_TYPES = ("application/jsonlines", "application/jsonl", "application/x-jsonlines",
                   "application/json")
WORKER_PORT = 2222  # MultiWorkerMirroredStrategy's port on every host


class ContainerError(O2VError):
    """A container setup SageMaker would not run (bad config file, unsupported mode)."""


class SageMakerPaths:
    """The `/opt/ml` tree (or `$O2V_OPT_ML`, or `root`).

    Example:
    >>> SageMakerPaths("/tmp/ml").channel("train")
    '/tmp/ml/input/data/train'
    """

    def __init__(self, root=None):
        self.root = root or os.environ.get(ROOT_VARIABLE) or DEFAULT_ROOT

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    @property
    def config(self):
        return self.path("input", "config")

    @property
    def model(self):
        return self.path("model")

    @property
    def checkpoints(self):
        return self.path("checkpoints")

    @property
    def failure(self):
        return self.path("output", "failure")

    @property
    def tensorboard(self):
        return self.path("output", "tensorboard")

    def channel(self, name):
        return self.path("input", "data", name)

    def _read(self, name, default=None):
        path = os.path.join(self.config, name)
        if not os.path.exists(path):
            if default is not None:
                return default
            raise ContainerError(f"{path} is missing; SageMaker writes it for every training job")
        try:
            with open(path, encoding="utf-8") as f:
                value = json.load(f)
        except (OSError, json.JSONDecodeError) as error:
            raise ContainerError(f"{path}: {error}") from None
        if not isinstance(value, dict):
            raise ContainerError(f"{path}: expected a JSON object")
        return value

    def hyperparameters(self):
        """The hyperparameter map; SageMaker writes every value as a string."""
        values = self._read("hyperparameters.json", default={})
        not_strings = sorted(k for k, v in values.items() if not isinstance(v, str))
        if not_strings:
            raise ContainerError(f"hyperparameters.json: SageMaker passes every value as a "
                                 f"string; not strings: {', '.join(not_strings)}")
        return values

    def channels(self):
        """`{channel: folder}` of the channels in inputdataconfig.json (File mode, JSON Lines)."""
        config = self._read("inputdataconfig.json", default={})
        channels = {}
        for name, settings in config.items():
            if name not in CHANNELS:
                raise ContainerError(f"inputdataconfig.json: unknown channel {name!r}; Object2Vec "
                                     f"takes {', '.join(CHANNELS)}")
            settings = settings or {}
            mode = settings.get("TrainingInputMode", "File")
            if mode not in ("File", "FastFile"):
                raise ContainerError(f"channel {name}: TrainingInputMode {mode} is not supported; "
                                     f"use File or FastFile")
            content_type = (settings.get("ContentType") or "application/jsonlines").split(";")[0]
            if name not in ("auxiliary",) and content_type.strip().lower() not in JSONLINES_TYPES:
                raise ContainerError(f"channel {name}: ContentType {content_type} is not supported; "
                                     f"use application/jsonlines")
            folder = self.channel(name)
            if not os.path.isdir(folder):
                raise ContainerError(f"channel {name}: {folder} is missing")
            channels[name] = folder
        if "train" not in channels:
            raise ContainerError("inputdataconfig.json has no train channel")
        return channels

    def resources(self):
        """resourceconfig.json (one host, `algo-1`, when absent)."""
        return self._read("resourceconfig.json", default={"current_host": "algo-1",
                                                           "hosts": ["algo-1"]})


def tf_config(resources, port=WORKER_PORT):
    """The `TF_CONFIG` of this host for MultiWorkerMirroredStrategy, or None on one host.

    Every host is a worker; the first in SageMaker's `hosts` list (algo-1) is
    worker 0, the chief that writes the model.

    Example:
    >>> tf_config({"current_host": "algo-2", "hosts": ["algo-1", "algo-2"]})["task"]
    {'type': 'worker', 'index': 1}
    """
    hosts = list(resources.get("hosts") or [])
    current = resources.get("current_host")
    if len(hosts) < 2:
        return None
    if current not in hosts:
        raise ContainerError(f"resourceconfig.json: current_host {current!r} is not in hosts {hosts}")
    return {"cluster": {"worker": [f"{host}:{port}" for host in hosts]},
            "task": {"type": "worker", "index": hosts.index(current)}}

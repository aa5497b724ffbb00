"""The layout of a training job's `model_dir`, and atomic writes into it.

```
model_dir/
  hyperparameters.json      the job's hyperparameters (resolved SageMaker map)
  model.keras               the best model (best validation epoch, or the last)
  metrics.json              per-epoch metrics, best epoch, test metrics
  checkpoints/
    epoch-0003.keras        full model + optimizer state after each epoch
    state.json              last completed epoch, early-stopping state, history
  logs/                     TensorBoard event files
```
Every file is written to a temporary name in the same folder and renamed, so
a crash never leaves a half-written file behind.
"""

import json
import os
import tempfile

from keras_o2v.atomic_files import TEMPORARY_PREFIX, atomic_path, atomic_write

KEEP_CHECKPOINTS = 2


class ModelDir:
    """Paths and atomic writers for one `model_dir`.

    Args:
        path: the folder (created when missing).
        writer: False on non-chief workers of a multi-worker job, whose files go
            to a private temporary folder instead.
    """

    def __init__(self, path, writer=True):
        self.path = os.fspath(path)
        self.writer = writer
        self.root = self.path if writer else tempfile.mkdtemp(prefix="o2v-worker-")
        os.makedirs(self.checkpoints, exist_ok=True)
        self._remove_stale_temporaries()

    def _remove_stale_temporaries(self):
        # Left by a job killed mid-write; the files they were meant to replace are intact.
        for folder in (self.root, self.checkpoints):
            for name in os.listdir(folder):
                if name.startswith(TEMPORARY_PREFIX):
                    os.remove(os.path.join(folder, name))

    @property
    def checkpoints(self):
        return os.path.join(self.root, "checkpoints")

    @property
    def model(self):
        return os.path.join(self.root, "model.keras")

    @property
    def hyperparameters(self):
        return os.path.join(self.root, "hyperparameters.json")

    @property
    def metrics(self):
        return os.path.join(self.root, "metrics.json")

    @property
    def state(self):
        return os.path.join(self.checkpoints, "state.json")

    @property
    def logs(self):
        return os.path.join(self.root, "logs")

    def checkpoint(self, epoch):
        return os.path.join(self.checkpoints, f"epoch-{epoch:04d}.keras")

    def write_json(self, path, value):
        with atomic_write(path) as f:
            json.dump(value, f, indent=2, sort_keys=True)
            f.write("\n")

    def read_json(self, path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)

    def save_model(self, model, path):
        with atomic_path(path, suffix=".keras") as temporary:
            model.save(temporary)

    def prune_checkpoints(self, keep_epochs):
        """Deletes epoch checkpoints except the newest `KEEP_CHECKPOINTS` and `keep_epochs`."""
        names = sorted(n for n in os.listdir(self.checkpoints)
                       if n.startswith("epoch-") and n.endswith(".keras"))
        keep = set(names[-KEEP_CHECKPOINTS:]) | {os.path.basename(self.checkpoint(e))
                                                for e in keep_epochs if e is not None}
        for name in names:
            if name not in keep:
                os.remove(os.path.join(self.checkpoints, name))

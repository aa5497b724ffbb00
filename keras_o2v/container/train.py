"""`train`: a SageMaker training job in this container.

Reads `/opt/ml/input/config` (hyperparameters as a string map, the channels,
the hosts), trains as `o2v train` does (several hosts: `TF_CONFIG` for
MultiWorkerMirroredStrategy, worker 0 = `algo-1` writes the model), and writes
`/opt/ml/model/`: `model.keras`, `hyperparameters.json`, `metrics.json` and the
SavedModel version `1/` that `serve` (or stock TF Serving) serves; with a
`candidates` channel, the SavedModel has the top-k signatures. When
`/opt/ml/checkpoints` exists (SageMaker checkpointing), epochs are checkpointed
there and a restarted job resumes. On failure the reason goes to
`/opt/ml/output/failure` and the exit status is 1.

Example:
    $ docker run -v $PWD/ml:/opt/ml keras-o2v train
    $ O2V_OPT_ML=/tmp/ml python -m keras_o2v.container.train
"""

import glob
import json
import os
import shutil
import sys
import tempfile
import traceback

from keras_o2v.container.paths import ContainerError, SageMakerPaths, tf_config
from keras_o2v.errors import O2VError

SAVED_MODEL_VERSION = 1


def run_training(paths):
    """Runs the job described by `paths`; returns the `TrainingResult`."""
    from keras_o2v.hyperparameters import Hyperparameters

    hyperparameters = Hyperparameters.from_dict(paths.hyperparameters())
    channels = paths.channels()
    cluster = tf_config(paths.resources())
    if cluster is not None:
        os.environ["TF_CONFIG"] = json.dumps(cluster)
    from keras_o2v.training import train
    from keras_o2v.training.strategy import is_chief

    model_dir = paths.checkpoints if os.path.isdir(paths.checkpoints) else \
        tempfile.mkdtemp(prefix="o2v-job-")
    result = train(hyperparameters, train=channels["train"], validation=channels.get("validation"),
                   test=channels.get("test"), auxiliary=channels.get("auxiliary"),
                   model_dir=model_dir, verbose=2)
    if is_chief():
        _write_model(paths, result, channels.get("candidates"))
    return result


def _write_model(paths, result, candidates_folder):
    from keras_o2v.export import export_saved_model

    os.makedirs(paths.model, exist_ok=True)
    for name in ("model.keras", "hyperparameters.json", "metrics.json"):
        shutil.copyfile(os.path.join(result.model_dir, name), os.path.join(paths.model, name))
    candidates = None
    if candidates_folder is not None:
        files = sorted(glob.glob(os.path.join(candidates_folder, "**", "*"), recursive=True))
        files = [f for f in files if os.path.isfile(f)]
        if len(files) != 1:
            raise ContainerError(f"channel candidates: expected one JSON Lines file, found "
                                 f"{len(files)} in {candidates_folder}")
        candidates = files[0]
    export_saved_model(result.model, paths.model, version=SAVED_MODEL_VERSION, overwrite=True,
                       candidates=candidates)
    logs = os.path.join(result.model_dir, "logs")
    if os.path.isdir(paths.tensorboard) and os.path.isdir(logs):
        shutil.copytree(logs, paths.tensorboard, dirs_exist_ok=True)


def main(root=None):
    """The entry point; returns the exit status (0, or 1 with `/opt/ml/output/failure` written)."""
    paths = SageMakerPaths(root)
    try:
        run_training(paths)
    except Exception as error:  # noqa: BLE001 - every failure is reported to SageMaker
        if isinstance(error, O2VError):
            reason = f"{type(error).__name__}: {error}"
        else:
            reason = f"Unexpected {type(error).__name__}: {error}"
            traceback.print_exc()
        print(reason, file=sys.stderr, flush=True)
        os.makedirs(os.path.dirname(paths.failure), exist_ok=True)
        with open(paths.failure, "w", encoding="utf-8") as f:
            f.write(reason[:4000] + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

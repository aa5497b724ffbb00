"""`serve`: SageMaker's inference contract with `o2v serve`.

Listens on 0.0.0.0:8080 (or `SAGEMAKER_BIND_TO_PORT`) with `GET /ping`,
`POST /invocations` and `GET /execution-parameters`, serving the SavedModel
versions under `/opt/ml/model` (what `train` writes). A model folder holding
only `model.keras` (a job trained elsewhere with `o2v train`) is exported first.
`O2V_SERVE_ARGS` adds `o2v serve` options, e.g. `--max-rows 50000 --grpc-port 8500`.

Example:
    $ docker run -p 8080:8080 -v $PWD/model:/opt/ml/model keras-o2v serve
"""

import os
import shlex
import sys
import tempfile

from keras_o2v.container.paths import SageMakerPaths
from keras_o2v.serving_contract import SAGEMAKER_PORT

PORT_VARIABLE = "SAGEMAKER_BIND_TO_PORT"
ARGS_VARIABLE = "O2V_SERVE_ARGS"


def serve_arguments(paths, environ=None):
    """The `o2v serve` command line for this container."""
    environ = os.environ if environ is None else environ
    from keras_o2v.export.versions import list_versions

    base_path = paths.model
    if not list_versions(base_path) and os.path.isfile(os.path.join(base_path, "model.keras")):
        base_path = _export_keras_model(base_path)
    port = environ.get(PORT_VARIABLE) or str(SAGEMAKER_PORT)
    return ["serve", "--model-base-path", base_path, "--host", "0.0.0.0", "--port", port,
            *shlex.split(environ.get(ARGS_VARIABLE, ""))]


def _export_keras_model(model_folder):
    import keras

    from keras_o2v.export import export_saved_model

    base_path = os.path.join(tempfile.mkdtemp(prefix="o2v-serve-"), "o2v")
    model = keras.saving.load_model(os.path.join(model_folder, "model.keras"), compile=False)
    export_saved_model(model, base_path, version=1)
    return base_path


def main(root=None):
    from keras_o2v.cli import main as cli_main

    return cli_main(serve_arguments(SageMakerPaths(root)))


if __name__ == "__main__":
    sys.exit(main())

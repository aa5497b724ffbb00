"""keras_o2v: Object2Vec pair embeddings for Keras 3, exportable to TensorFlow Serving.

Names are imported on first use, so `import keras_o2v` (and the TensorFlow-free
`keras_o2v.inference.protocol`) does not load TensorFlow. keras_o2v's Keras classes
are registered for deserialization as soon as Keras is imported, so
`keras.saving.load_model("model.keras")` works after a plain `import keras_o2v`.
keras_o2v needs Keras' TensorFlow backend: importing it under another one (or importing
Keras under another one afterwards) raises `keras_o2v.keras_backend.KerasBackendError`.
"""

import wrapt

from keras_o2v import deprecated
from keras_o2v.errors import DataError, HyperparameterError, O2VError
from keras_o2v.keras_backend import require_tensorflow_backend
from keras_o2v.lazy_exports import lazy_exports

require_tensorflow_backend()

__version__ = "0.2.0"

_SUBPACKAGES = ("data", "datasets", "export", "inference", "layers", "models", "neighbors",
                "optimizers", "preprocessing", "presets", "pretrained", "serving_contract",
                "tasks", "text", "training", "tuning", "visualization")
_EXPORTS = {
    **{name: f"keras_o2v.{name}" for name in _SUBPACKAGES},
    "EncoderSettings": "keras_o2v.hyperparameters",
    "Hyperparameters": "keras_o2v.hyperparameters",
    "NearestNeighbors": "keras_o2v.neighbors",
    "Object2Vec": "keras_o2v.models",
    "SageMakerEarlyStopping": "keras_o2v.training",
    "SavedModelRunner": "keras_o2v.inference",
    "TextPreprocessor": "keras_o2v.text",
    "TrainingResult": "keras_o2v.training",
    "TuningResult": "keras_o2v.tuning",
    "ValidationReport": "keras_o2v.data",
    "cut_pairs": "keras_o2v.preprocessing",
    "evaluate_retrieval": "keras_o2v.inference",
    "evaluation": "keras_o2v.evaluation",
    "export_saved_model": "keras_o2v.export",
    "make_dataset": "keras_o2v.data",
    "make_optimizer": "keras_o2v.optimizers",
    "pad_sequences": "keras_o2v.data",
    "prepare_pairs": "keras_o2v.preprocessing",
    "retrieval_metrics": "keras_o2v.neighbors",  # deprecated: keras_o2v.evaluation
    "to_tfserving_request": "keras_o2v.inference",
    "to_tfserving_requests": "keras_o2v.inference",
    "train": "keras_o2v.training",
    "tune": "keras_o2v.tuning",
    "validate_files": "keras_o2v.data",
}
__all__ = sorted([*_EXPORTS, "DataError", "HyperparameterError", "O2VError"])
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, moved={"retrieval": "keras_o2v.tasks"})

deprecated.install()


@wrapt.when_imported("keras")
def _register_keras_classes(keras):
    require_tensorflow_backend(keras.backend.backend(), "the KERAS_BACKEND environment variable "
                               "or keras.json, read when Keras was imported")
    # Importing these modules registers keras_o2v's layers, tasks, model and optimizers
    # with `keras.saving`, which needs them to deserialize a `.keras` file. This runs
    # while Keras' import finishes, which may be inside the import of a keras_o2v
    # module: so the packages holding Keras classes (layers, tasks, models,
    # optimizers) import Keras before anything else, and their modules import one
    # another by full module path, never through a package's exports.
    import keras_o2v.models.object2vec  # noqa: F401
    import keras_o2v.optimizers.factory  # noqa: F401

    # The text layer is outside that chain: it may be the module being imported now
    # (then it registers `TextPreprocessor` itself when it finishes).
    import keras_o2v.text.text_preprocessor  # noqa: F401

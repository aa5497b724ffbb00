"""keras_o2v runs on Keras' TensorFlow backend only; another backend is one clear error.

Object2Vec's layers, training job and export use TensorFlow directly (tf.data,
tf.distribute, SavedModel signatures), so under `KERAS_BACKEND=jax` or `torch`
they would fail deep inside a training step. Instead:

- `import keras_o2v` checks the backend Keras will use (without importing Keras
  or TensorFlow): the backend of an already imported Keras, else the
  `KERAS_BACKEND` environment variable, else `backend` in `$KERAS_HOME/keras.json`
  (`~/.keras/keras.json`), else TensorFlow, the way Keras decides;
- keras_o2v's hook that runs when Keras is first imported checks
  `keras.backend.backend()` again (the environment may have changed in between).

Both raise `KerasBackendError` (an `ImportError`) naming the backend, where it was
set, and how to choose TensorFlow.
"""

import json
import os
import sys

from keras_o2v.errors import O2VError

REQUIRED_BACKEND = "tensorflow"


class KerasBackendError(O2VError, ImportError):
    """Keras is set to a backend other than TensorFlow."""


def configured_backend():
    """`(backend, where it was set)` of the Keras that is or will be imported."""
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "backend"):
        return keras.backend.backend(), "the Keras already imported"
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"], "the KERAS_BACKEND environment variable"
    if "KERAS_HOME" in os.environ:
        home = os.environ["KERAS_HOME"]
    else:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    path = os.path.expanduser(os.path.join(home, "keras.json"))
    try:
        with open(path, encoding="utf-8") as f:
            backend = json.load(f).get("backend")
    except (OSError, ValueError, AttributeError):
        backend = None
    if backend:
        return backend, path
    return REQUIRED_BACKEND, "Keras' default"


def require_tensorflow_backend(backend=None, where=None):
    """Raises `KerasBackendError` unless Keras uses (or will use) TensorFlow.

    Args:
        backend: the backend to check; by default `configured_backend()`.
        where: what set it, for the message.
    """
    if backend is None:
        backend, where = configured_backend()
    if backend != REQUIRED_BACKEND:
        raise KerasBackendError(
            f"keras_o2v needs Keras' TensorFlow backend, but Keras is set to use {backend!r} "
            f"(by {where}). Set KERAS_BACKEND=tensorflow before Keras is first imported (in "
            "a notebook, restart the kernel), or set \"backend\": \"tensorflow\" in keras.json.")

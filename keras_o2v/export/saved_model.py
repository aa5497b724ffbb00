"""`export_saved_model`: an Object2Vec as a versioned, CUDA-free TF Serving SavedModel.

Keras-side facts this relies on (verified with Keras 3.15 / TF 2.21 and
`saved_model_cli show --all`; see serving/README.md):

- `keras.export.ExportArchive.add_endpoint(name, fn, input_signature)` makes
  each endpoint a SavedModel signature named `name`; naming one endpoint
  `serving_default` stops `write_out` from aliasing the first endpoint.
- Signature input names come from `tf.TensorSpec(..., name="in0")` (without a
  name TF derives `args_0`); output keys come from returning a dict
  (`{"scores": ...}`), otherwise they are `output_0`.
- Keras 3 picks cuDNN for an LSTM at trace time whenever a GPU is visible, and
  `CudnnRNNV3` has no CPU kernel; the export traces a twin built with
  `use_cudnn=False` carrying the same weights, then checks the op list.
"""

import json
import os
import shutil
import tempfile

import keras
import tensorflow as tf

from keras_o2v.data.token_ids import graph_assertion_messages
from keras_o2v.errors import O2VError
from keras_o2v.export.graph_ops import cudnn_ops
from keras_o2v.export.versions import next_version
from keras_o2v.export.warmup import write_warmup_requests
from keras_o2v.models import Object2Vec
from keras_o2v.serving_contract import (
    EMBED_SIGNATURES,
    EMBEDDINGS,
    HYPERPARAMETERS_ASSET,
    INPUT_NAMES,
    SCORE_SIGNATURE,
    SCORES,
)


def make_export_twin(model):
    """A copy of `model` whose BiLSTMs never use cuDNN, with the same weights.

    Args:
        model: a built `keras_o2v.Object2Vec`.

    Returns:
        A new `Object2Vec(model.hyperparameters, use_cudnn=False)`.
    """
    twin = Object2Vec(model.hyperparameters, use_cudnn=False, name=model.name)
    twin.set_weights(model.get_weights())
    return twin


def export_saved_model(model, base_path, version=None, overwrite=False, warmup=True):
    """Writes `model` to `base_path/<version>/` for TensorFlow Serving, atomically.

    The SavedModel has three signatures, all taking int64 ids `[batch, None]`
    right-padded with 0 (truncated to `encN_max_seq_len` inside the graph;
    negative or out-of-vocabulary ids fail with INVALID_ARGUMENT):

    - `serving_default`: `in0`, `in1` -> `scores` `[batch, num_classes]`
      probabilities (or `[batch, 1]` for regression);
    - `embed_in0`: `in0` -> `embeddings`; `embed_in1`: `in1` -> `embeddings`.

    `assets.extra/` holds `tf_serving_warmup_requests` (one PredictionLog per
    signature) and `hyperparameters.json`. The version is written in a hidden
    temporary folder under `base_path` and renamed into place, so TF Serving
    never sees a half-written version.

    Args:
        model: a `keras_o2v.Object2Vec`.
        base_path: the model base path (created if missing).
        version: integer version; default one more than the highest present.
        overwrite: replace an existing `version` (otherwise that is an error).
        warmup: write the warm-up records.

    Returns:
        The path of the written version folder.

    Raises:
        FileExistsError: `version` exists and `overwrite` is False.
        O2VError: the traced graph holds a `Cudnn*` op (should never happen).

    Example:
    >>> model = keras_o2v.Object2Vec(hp)  # doctest: +SKIP
    >>> keras_o2v.export_saved_model(model, "models/o2v")  # doctest: +SKIP
    'models/o2v/1'
    """
    if not isinstance(model, Object2Vec):
        raise TypeError(f"export_saved_model needs a keras_o2v.Object2Vec, got {type(model).__name__}")
    if version is not None and (isinstance(version, bool) or int(version) != version or version < 0):
        raise ValueError(f"version must be a non-negative integer, got {version!r}")
    base_path = os.fspath(base_path)
    os.makedirs(base_path, exist_ok=True)
    if version is not None and os.path.exists(os.path.join(base_path, str(version))) and not overwrite:
        raise FileExistsError(_exists_message(base_path, version))
    scratch = tempfile.mkdtemp(prefix=".export-", dir=base_path)
    try:
        staging = os.path.join(scratch, "saved_model")
        _write_saved_model(make_export_twin(model), staging)
        found = cudnn_ops(staging)
        if found:
            raise O2VError(f"The exported graph holds ops without a CPU kernel: {found}")
        os.makedirs(os.path.join(staging, "assets.extra"), exist_ok=True)
        with open(os.path.join(staging, HYPERPARAMETERS_ASSET), "w", encoding="utf-8") as f:
            json.dump(model.hyperparameters.to_dict(), f, indent=2, sort_keys=True)
        if warmup:
            write_warmup_requests(staging)
        return _install(staging, base_path, version, overwrite, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _write_saved_model(twin, path):
    hp = twin.hyperparameters
    vocab_sizes = [hp.encoder(side).vocab_size for side in (0, 1)]

    def checked(side, ids):
        vocab = vocab_sizes[side]
        negative, too_large = graph_assertion_messages(side, vocab)
        checks = [
            tf.debugging.assert_non_negative(ids, message=negative),
            tf.debugging.assert_less(ids, tf.constant(vocab, tf.int64), message=too_large),
        ]
        with tf.control_dependencies(checks):
            return tf.identity(ids)

    def spec(name):
        return tf.TensorSpec([None, None], tf.int64, name=name)

    def score(in0, in1):
        inputs = {INPUT_NAMES[0]: checked(0, in0), INPUT_NAMES[1]: checked(1, in1)}
        return {SCORES: twin(inputs, training=False)}

    def embed_in0(in0):
        return {EMBEDDINGS: twin.encode(0, checked(0, in0))}

    def embed_in1(in1):
        return {EMBEDDINGS: twin.encode(1, checked(1, in1))}

    archive = keras.export.ExportArchive()
    archive.track(twin)
    archive.add_endpoint(SCORE_SIGNATURE, score, input_signature=[spec(n) for n in INPUT_NAMES])
    archive.add_endpoint(EMBED_SIGNATURES[0], embed_in0, input_signature=[spec(INPUT_NAMES[0])])
    archive.add_endpoint(EMBED_SIGNATURES[1], embed_in1, input_signature=[spec(INPUT_NAMES[1])])
    archive.write_out(path, verbose=False)


def _install(staging, base_path, version, overwrite, scratch):
    if version is None:
        while True:
            target = os.path.join(base_path, str(next_version(base_path)))
            try:
                os.rename(staging, target)  # fails if another export took the number
                return target
            except OSError:
                if not os.path.exists(target):
                    raise
    target = os.path.join(base_path, str(int(version)))
    if os.path.exists(target):
        if not overwrite:
            raise FileExistsError(_exists_message(base_path, version))
        os.rename(target, os.path.join(scratch, "replaced"))
    os.rename(staging, target)
    return target


def _exists_message(base_path, version):
    return (f"Version {version} already exists in {base_path}; pass overwrite=True "
            f"(--overwrite) to replace it, or leave the version out to add a new one.")

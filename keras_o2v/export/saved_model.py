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

import keras
import tensorflow as tf

from keras_o2v.data.token_ids import graph_assertion_messages
from keras_o2v.errors import O2VError
from keras_o2v.export import install
from keras_o2v.export.candidates import Candidates, read_candidates
from keras_o2v.export.graph_ops import cudnn_ops
from keras_o2v.export.top_k import TopKIndex, embed_candidates
from keras_o2v.export.versions import next_version
from keras_o2v.export.warmup import write_warmup_requests
from keras_o2v.models import Object2Vec
from keras_o2v.serving_contract import (
    CANDIDATES_ASSET,
    EMBED_SIGNATURES,
    EMBEDDINGS,
    EXCLUDE,
    HYPERPARAMETERS_ASSET,
    IDS,
    INPUT_NAMES,
    SCORE_SIGNATURE,
    SCORES,
    TOP_K_EXCLUDING_SIGNATURE,
    TOP_K_SIGNATURE,
    TOP_K_SIGNATURES,
    K,
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


def export_saved_model(model, base_path, version=None, overwrite=False, warmup=True,
                       candidates=None, positive_class=None):
    """Writes `model` to `base_path/<version>/` for TensorFlow Serving, atomically.

    The SavedModel has three signatures, all taking int64 ids `[batch, None]`
    right-padded with 0 (truncated to `encN_max_seq_len` inside the graph;
    negative or out-of-vocabulary ids fail with INVALID_ARGUMENT):

    - `serving_default`: `in0`, `in1` -> `scores` `[batch, num_classes]`
      probabilities (or `[batch, 1]` for regression; for `training_objective=retrieval`
      `[batch, 1]`, the similarity of the two embeddings, cosine or dot as
      `retrieval_similarity` says, without the training temperature; with
      `calibration_base_rate` the calibrated probabilities);
    - `embed_in0`: `in0` -> `embeddings`; `embed_in1`: `in1` -> `embeddings`.

    With `candidates`, two more: `top_k` (`in0`, `k`) and `top_k_excluding`
    (`in0`, `k`, `exclude`) -> `ids` and `scores` of the k best candidates per row
    (see `keras_o2v.serving_contract` and `keras_o2v.export.top_k`).

    `assets.extra/` holds `tf_serving_warmup_requests` (one PredictionLog per
    signature) and `hyperparameters.json`. The version is written in a hidden
    scratch folder under `base_path` and renamed into place; an overwrite swaps
    the complete new folder for the old one in one step, so TF Serving never sees
    a half-written version and a crash leaves the old or the new version
    (`keras_o2v.export.install`).

    Args:
        model: a `keras_o2v.Object2Vec`.
        base_path: the model base path (created if missing).
        version: integer version; default one more than the highest present.
        overwrite: replace an existing `version` (otherwise that is an error).
        warmup: write the warm-up records.
        candidates: a candidates file (JSON Lines of `{"id": <int>, "in1": [ids]}`)
            or a `keras_o2v.export.Candidates`: adds the top-k signatures.
        positive_class: the class whose probability ranks candidates (softmax
            models; default the highest class).

    Returns:
        The path of the written version folder.

    Raises:
        FileExistsError: `version` exists and `overwrite` is False.
        DataError: a bad line in the candidates file.
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
    hp = model.hyperparameters
    if positive_class is not None and not (hp.is_classification and 0 <= positive_class < hp.num_classes):
        raise ValueError(f"positive_class={positive_class!r} must be a class of a softmax model "
                         f"(0..{hp.num_classes - 1})")
    if candidates is not None and not isinstance(candidates, Candidates):
        candidates = read_candidates(os.fspath(candidates), hp)
    base_path = os.fspath(base_path)
    os.makedirs(base_path, exist_ok=True)
    if version is not None and os.path.exists(os.path.join(base_path, str(version))) and not overwrite:
        raise FileExistsError(_exists_message(base_path, version))
    with install.Scratch(base_path) as scratch:
        staging = scratch.staging
        signatures = _write_saved_model(make_export_twin(model), staging, candidates, positive_class)
        found = cudnn_ops(staging)
        if found:
            raise O2VError(f"The exported graph holds ops without a CPU kernel: {found}")
        os.makedirs(os.path.join(staging, "assets.extra"), exist_ok=True)
        with open(os.path.join(staging, HYPERPARAMETERS_ASSET), "w", encoding="utf-8") as f:
            json.dump(hp.to_string_map(), f, indent=2, sort_keys=True)
        if candidates is not None:
            with open(os.path.join(staging, CANDIDATES_ASSET), "w", encoding="utf-8") as f:
                json.dump(_candidates_note(hp, candidates, positive_class), f, indent=2)
        if warmup:
            write_warmup_requests(staging, signatures)
        install._step("written")
        if version is None:
            return install.install_new(staging, base_path, lambda: next_version(base_path))
        try:
            return install.install_version(staging, base_path, version, scratch, overwrite)
        except FileExistsError:
            raise FileExistsError(_exists_message(base_path, version)) from None


def _candidates_note(hp, candidates, positive_class):
    if hp.is_classification:
        column = hp.num_classes - 1 if positive_class is None else positive_class
        rule = f"probability of class {column} (serving_default scores[:, {column}])"
    else:
        rule = "predicted value (serving_default scores[:, 0])"
    return {"count": int(len(candidates.ids)), "score": rule}


def _write_saved_model(twin, path, candidates=None, positive_class=None):
    """Traces the signatures into `path`; returns their names."""
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
    names = [SCORE_SIGNATURE, *EMBED_SIGNATURES]
    if candidates is not None:
        index = TopKIndex(
            lambda queries, items: twin.score_embeddings(queries, items, positive_class),
            candidates.ids, embed_candidates(twin, candidates.sequences),
            pair_width=max(4 * _embedding_width(hp), hp.mlp_dim))
        archive.track(index)
        k_spec = tf.TensorSpec(None, tf.int32, name=K)
        exclude_spec = tf.TensorSpec([None, None], tf.int64, name=EXCLUDE)

        def top_k(in0, k):
            ids, scores = index.search(twin.encode(0, checked(0, in0)), k)
            return {IDS: ids, SCORES: scores}

        def top_k_excluding(in0, k, exclude):
            ids, scores = index.search(twin.encode(0, checked(0, in0)), k, exclude)
            return {IDS: ids, SCORES: scores}

        archive.add_endpoint(TOP_K_SIGNATURE, top_k, input_signature=[spec(INPUT_NAMES[0]), k_spec])
        archive.add_endpoint(TOP_K_EXCLUDING_SIGNATURE, top_k_excluding,
                             input_signature=[spec(INPUT_NAMES[0]), k_spec, exclude_spec])
        names += list(TOP_K_SIGNATURES)
    archive.write_out(path, verbose=False)
    return names


def _embedding_width(hp):
    return max(hp.encoder(side).output_dim(hp.enc_dim) for side in (0, 1))


def _exists_message(base_path, version):
    return (f"Version {version} already exists in {base_path}; pass overwrite=True "
            f"(--overwrite) to replace it, or leave the version out to add a new one.")

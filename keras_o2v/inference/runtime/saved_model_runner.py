"""Runs one exported SavedModel version in-process (what `o2v serve` and `o2v predict` use)."""

import functools
import os

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

from keras_o2v.export.warmup import warmup_inputs
from keras_o2v.hyperparameters import Hyperparameters
from keras_o2v.inference.protocol.batching import assemble, plan_batches
from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v.inference.protocol.tfserving_json import TensorSpec
from keras_o2v.serving_contract import (
    HYPERPARAMETERS_ASSET,
    SCORE_SIGNATURE,
    SIGNATURE_INPUTS,
    TOP_K_SIGNATURES,
)


class SavedModelRunner:
    """A loaded `BASE/<version>/` SavedModel whose signatures can be called from any thread.

    Args:
        export_dir: the version folder written by `keras_o2v.export_saved_model`.

    Attributes:
        version: the integer version (folder name), or None.
        hyperparameters: the model's `Hyperparameters` from
            `assets.extra/hyperparameters.json`, or None for a foreign SavedModel.
        signature_defs: signature name -> `SignatureDef` proto (for metadata).

    Example:
    >>> runner = SavedModelRunner("models/o2v/1")  # doctest: +SKIP
    >>> runner.run("embed_in0", {"in0": np.array([[4, 5, 0]])})["embeddings"].shape  # doctest: +SKIP
    (1, 16)
    """

    def __init__(self, export_dir):
        self.path = os.fspath(export_dir)
        name = os.path.basename(os.path.normpath(self.path))
        self.version = int(name) if name.isdigit() else None
        self._loaded = tf.saved_model.load(self.path)
        self._functions = dict(self._loaded.signatures)
        saved_model = saved_model_pb2.SavedModel()
        with open(os.path.join(self.path, "saved_model.pb"), "rb") as f:
            saved_model.ParseFromString(f.read())
        self.meta_graph = saved_model.meta_graphs[0]
        self.signature_defs = dict(self.meta_graph.signature_def)
        self._input_specs = {}
        hp_path = os.path.join(self.path, HYPERPARAMETERS_ASSET)
        self.hyperparameters = Hyperparameters.from_json(hp_path) if os.path.isfile(hp_path) else None

    @property
    def signature_names(self):
        """The callable signatures, sorted."""
        return sorted(self._functions)

    def input_specs(self, signature_name):
        """`{input name: TensorSpec}` of a signature.

        Raises:
            InferenceError: (400) the signature does not exist, worded like TF Serving.
        """
        if signature_name not in self._functions:
            raise InferenceError(f'Serving signature name: "{signature_name}" not found in '
                                 f'signature def')
        cached = self._input_specs.get(signature_name)
        if cached is not None:
            return cached
        specs = {}
        for name, info in self.signature_defs[signature_name].inputs.items():
            shape = None
            if not info.tensor_shape.unknown_rank:
                shape = tuple(None if d.size < 0 else d.size for d in info.tensor_shape.dim)
            specs[name] = TensorSpec(_dtype_name(info.dtype), shape)
        self._input_specs[signature_name] = specs
        return specs

    def run(self, signature_name, inputs):
        """Calls a signature on numpy inputs; returns `{output name: numpy array}`.

        Raises:
            InferenceError: 400 for an INVALID_ARGUMENT from the graph (for
                example an id out of vocabulary), 500 for other failures.
        """
        specs = self.input_specs(signature_name)
        missing = sorted(set(specs) - set(inputs))
        extra = sorted(set(inputs) - set(specs))
        if missing or extra:
            raise InferenceError(f"input size does not match signature: {len(inputs)}!={len(specs)} "
                                 f"Sent extra: {{{','.join(extra)}}}. Missing but required: "
                                 f"{{{','.join(missing)}}}.")
        function = self._functions[signature_name]
        try:
            outputs = function(**{name: tf.constant(value) for name, value in inputs.items()})
        except tf.errors.InvalidArgumentError as error:
            raise InferenceError(_short_tf_message(error)) from None
        except tf.errors.OpError as error:
            raise InferenceError(_short_tf_message(error), status=500) from None
        return {name: value.numpy() for name, value in outputs.items()}

    def predict_instances(self, instances, max_batch_size=1024):
        """SageMaker answers for `Instance`s of any mix of modes, in order.

        Returns:
            A list of `{"scores": [...]}` / `{"embeddings": [...]}`.
        """
        batches = plan_batches(instances, max_batch_size)
        outputs = self.run_batches(batches)
        return assemble(len(instances), batches, outputs)

    def run_batches(self, batches):
        """`run` on each `SignatureBatch`; a top-k batch on a model without candidates is a 400."""
        for batch in batches:
            if batch.signature in TOP_K_SIGNATURES and batch.signature not in self._functions:
                raise InferenceError(f"instance {batch.positions[0]} asks for the top k candidates, "
                                     f"but this model was exported without candidates (export "
                                     f"with `o2v export --candidates FILE`)")
        return [self.run(batch.signature, batch.inputs) for batch in batches]

    def warm_up(self, first="classification"):
        """Runs every signature once on a one-token input (preferred mode first)."""
        scores_first = first == "classification"
        order = sorted(self._functions,
                       key=lambda name: ((name == SCORE_SIGNATURE) != scores_first, name))
        for name in order:
            self.run(name, warmup_inputs(name) if name in SIGNATURE_INPUTS else
                     {key: np.ones((1, 1), np.int64) for key in self.input_specs(name)})

    @functools.cached_property
    def specs_by_signature(self):
        """`{signature name: {input name: TensorSpec}}` (picklable, for decoding elsewhere)."""
        return {name: self.input_specs(name) for name in self._functions}


def _dtype_name(enum):
    from tensorflow.core.framework import types_pb2
    return types_pb2.DataType.Name(enum)


def _short_tf_message(error):
    """The useful line of a TF error: the assertion text, or the op's complaint."""
    message = error.message
    for marker in ("\n\t [[", "\n\t[[", " [Op:"):
        if marker in message:
            message = message[:message.index(marker)]
    lines = [line for line in message.strip().splitlines()
             if line and line != "Graph execution error:" and not line.startswith("Detected at node")
             and line != "<stack traces unavailable>"]
    text = lines[-1] if lines else type(error).__name__
    if text.startswith("assertion failed: ["):
        text = text[len("assertion failed: ["):].split("]", 1)[0]
    return text

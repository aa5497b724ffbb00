"""TF Serving warm-up records (`assets.extra/tf_serving_warmup_requests`)."""

import os

import numpy as np
import tensorflow as tf

from keras_o2v.serving_contract import (
    EXCLUDE,
    INPUT_PADDING,
    SIGNATURE_INPUTS,
    TOP_K_SIGNATURES,
    WARMUP_ASSET,
    K,
)


def warmup_inputs(signature, batch_size=1):
    """The inputs of one warm-up call of `signature`: id 1 of length 1 (and k=1)."""
    inputs = {}
    for name in SIGNATURE_INPUTS[signature]:
        if name == K:
            inputs[name] = np.array(1, np.int32)
        elif name == EXCLUDE:
            inputs[name] = np.full((batch_size, 1), INPUT_PADDING[EXCLUDE], np.int64)
        else:
            inputs[name] = np.ones((batch_size, 1), np.int64)
    return inputs


def write_warmup_requests(export_dir, signatures=None, batch_sizes=(1, 8)):
    """Writes one `PredictionLog` per signature and batch size into `export_dir`.

    TF Serving (`--enable_model_warmup`, on by default) replays them when it
    loads the version, so the first real request does not pay for tracing.

    Args:
        export_dir: the SavedModel folder being written.
        signatures: the signature names to warm up (default: all but top-k).
        batch_sizes: batch sizes to warm up; each request uses id 1 of length 1.

    Returns:
        The path of the records file.

    Example:
    >>> write_warmup_requests("/tmp/export/1")  # doctest: +SKIP
    """
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

    if signatures is None:
        signatures = [name for name in SIGNATURE_INPUTS if name not in TOP_K_SIGNATURES]
    path = os.path.join(export_dir, WARMUP_ASSET)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.io.TFRecordWriter(path) as writer:
        for signature in signatures:
            for batch_size in batch_sizes:
                request = predict_pb2.PredictRequest(
                    model_spec=model_pb2.ModelSpec(signature_name=signature))
                for name, value in warmup_inputs(signature, batch_size).items():
                    request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
                log = prediction_log_pb2.PredictionLog(
                    predict_log=prediction_log_pb2.PredictLog(request=request))
                writer.write(log.SerializeToString())
    return path

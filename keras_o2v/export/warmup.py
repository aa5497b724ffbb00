"""TF Serving warm-up records (`assets.extra/tf_serving_warmup_requests`)."""

import os

import numpy as np
import tensorflow as tf

from keras_o2v.serving_contract import SIGNATURE_INPUTS, WARMUP_ASSET


def write_warmup_requests(export_dir, batch_sizes=(1, 8)):
    """Writes one `PredictionLog` per signature and batch size into `export_dir`.

    TF Serving (`--enable_model_warmup`, on by default) replays them when it
    loads the version, so the first real request does not pay for tracing.

    Args:
        export_dir: the SavedModel folder being written.
        batch_sizes: batch sizes to warm up; each request uses id 1 of length 1.

    Returns:
        The path of the records file.

    Example:
    >>> write_warmup_requests("/tmp/export/1")  # doctest: +SKIP
    """
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

    path = os.path.join(export_dir, WARMUP_ASSET)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.io.TFRecordWriter(path) as writer:
        for signature, inputs in SIGNATURE_INPUTS.items():
            for batch_size in batch_sizes:
                request = predict_pb2.PredictRequest(
                    model_spec=model_pb2.ModelSpec(signature_name=signature))
                for name in inputs:
                    request.inputs[name].CopyFrom(
                        tf.make_tensor_proto(np.ones((batch_size, 1), np.int64)))
                log = prediction_log_pb2.PredictionLog(
                    predict_log=prediction_log_pb2.PredictLog(request=request))
                writer.write(log.SerializeToString())
    return path

"""Request decoding that may run in another process: bytes in, numpy batches out.

Everything here is pure (no model, no TensorFlow), so `o2v serve` runs it in a
thread for small bodies and in a worker process for large ones: decoding a
6 MB JSON body takes a single interpreter-lock hold of up to a second or more,
which in the server's own process would stall `/ping` and every other request.
"""

from keras_o2v.inference.protocol.batching import plan_batches
from keras_o2v.inference.protocol.instances import parse_instances
from keras_o2v.inference.protocol.sagemaker import JSON, decode_request, parse_media_type
from keras_o2v.inference.protocol.tfserving_json import parse_predict_request


def decode_invocations(body, content_type, hyperparameters, max_rows, max_batch_size):
    """A `/invocations` body as `(instance count, [SignatureBatch])`.

    Args:
        body: the raw bytes.
        content_type: the Content-Type header.
        hyperparameters: the model's `Hyperparameters` (ids checked, sequences
            truncated), or None.
        max_rows: the row limit (413 above it).
        max_batch_size: rows per signature call.
    """
    records, max_seqlens = decode_request(body, content_type, max_rows)
    label = "instance" if parse_media_type(content_type)[0] == JSON else "line"
    instances = parse_instances(records, hyperparameters, max_seqlens, label=label)
    return len(instances), plan_batches(instances, max_batch_size)


def decode_predict(body, specs_by_signature, max_rows):
    """A `:predict` body as a `PredictRequest` (see `parse_predict_request`)."""
    return parse_predict_request(body, specs_by_signature, max_rows)


def ready():
    """Run once in each worker process at start-up, so the first request finds it warm."""
    return True

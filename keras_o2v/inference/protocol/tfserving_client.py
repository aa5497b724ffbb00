"""Turns ragged SageMaker instances into rectangular TensorFlow Serving REST bodies.

TF Serving's JSON parser needs dense tensors: every row of `in0` must have the
same length (https://www.tensorflow.org/tfx/serving/api_rest,
tensorflow/serving#1538). These helpers right-pad
each mode's rows with 0, which the model masks, so a SageMaker client's
`{"in0": [..], "in1": [..]}` instances can be sent to stock TF Serving.
"""

from keras_o2v.inference.protocol.batching import assemble, plan_batches
from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v.inference.protocol.instances import Instance, parse_instance


def to_tfserving_requests(instances, max_batch_size=None):
    """One `:predict` body per mode: `[(signature_name, body, positions), ...]`.

    Args:
        instances: SageMaker instance dicts (or `Instance`s), modes may be mixed.
        max_batch_size: optional cap on rows per body.

    Returns:
        A list of `(signature_name, body, positions)`; `body` is the JSON-ready
        row-format request and `positions` the instances it answers.

    Example:
    >>> [(name, positions) for name, _, positions in
    ...  to_tfserving_requests([{"in0": [1, 2], "in1": [3]}, {"in1": [4, 5]}])]
    [('serving_default', [0]), ('embed_in1', [1])]
    """
    parsed = [item if isinstance(item, Instance) else parse_instance(item, f"instance {i}")
              for i, item in enumerate(instances)]
    if not parsed:
        raise InferenceError("No instances given")
    return requests_for_batches(plan_batches(parsed, max_batch_size))


def requests_for_batches(batches):
    """`[(signature_name, body, positions), ...]` for `SignatureBatch`es (see `to_tfserving_requests`)."""
    requests = []
    for batch in batches:
        names = list(batch.inputs)
        rows = [{name: batch.inputs[name][row].tolist() for name in names}
                for row in range(len(batch.positions))]
        requests.append((batch.signature, {"signature_name": batch.signature, "instances": rows},
                         batch.positions))
    return requests


def to_tfserving_request(instances):
    """The TF Serving `:predict` body for instances that all have the same mode.

    Args:
        instances: SageMaker instance dicts, e.g. `[{"in0": [5, 6, 7]}, {"in0": [8]}]`.

    Returns:
        `{"signature_name": ..., "instances": [...]}` with each input right-padded
        with 0 to the longest row, ready for `POST /v1/models/<name>:predict`.

    Raises:
        InferenceError: when instances mix modes (use `to_tfserving_requests`).

    Example:
    >>> to_tfserving_request([{"in0": [5, 6, 7]}, {"in0": [8]}])
    {'signature_name': 'embed_in0', 'instances': [{'in0': [5, 6, 7]}, {'in0': [8, 0, 0]}]}
    """
    requests = to_tfserving_requests(instances)
    if len(requests) > 1:
        raise InferenceError("Instances mix modes (" + ", ".join(r[0] for r in requests) +
                             "); use to_tfserving_requests to get one body per signature")
    return requests[0][1]


def from_tfserving_responses(count, requests, responses):
    """SageMaker-style results from the `predictions` of each `:predict` response.

    Args:
        count: number of instances sent.
        requests: the list from `to_tfserving_requests`.
        responses: the decoded JSON responses, one per request.

    Returns:
        `[{"scores": [...]} | {"embeddings": [...]}, ...]` in instance order.
    """
    from keras_o2v.inference.protocol.batching import SignatureBatch

    batches = [SignatureBatch(signature, {}, positions) for signature, _, positions in requests]
    outputs = []
    for batch, response in zip(batches, responses):
        predictions = response["predictions"]
        keys = batch.output_keys
        if len(keys) == 1:
            outputs.append({keys[0]: predictions})
        else:  # several outputs: one object per instance
            outputs.append({key: [row[key] for row in predictions] for key in keys})
    return assemble(count, batches, outputs)

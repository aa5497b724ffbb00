"""Inference: the SageMaker Object2Vec and TensorFlow Serving protocols, and model runners.

- `keras_o2v.inference.protocol`: wire formats (parsing, validation, padding, answers);
  NumPy only, so clients import it without TensorFlow.
- `keras_o2v.inference.runtime`: `SavedModelRunner`, batch transform, `embed_file`,
  `embed_pairs`, `evaluate_retrieval` (TensorFlow / Keras).

Every name of both is also available here, imported on first use.

Example:
>>> from keras_o2v.inference import to_tfserving_request
>>> to_tfserving_request([{"in0": [5, 6, 7]}, {"in0": [8]}])
{'signature_name': 'embed_in0', 'instances': [{'in0': [5, 6, 7]}, {'in0': [8, 0, 0]}]}
"""

from keras_o2v.lazy_exports import lazy_exports

_PROTOCOL = ("InferenceError", "Instance", "SignatureBatch", "TensorSpec", "assemble",
             "choose_accept", "decode_request", "encode_response", "format_predict_response",
             "from_tfserving_responses", "parse_instance", "parse_instances",
             "parse_predict_request", "plan_batches", "preferred_mode", "to_tfserving_request",
             "to_tfserving_requests")
_RUNTIME = ("BatchTransformError", "SavedModelRunner", "batch_transform", "embed_file",
            "embed_pairs", "evaluate_retrieval")

__getattr__, __dir__ = lazy_exports(__name__, {
    "protocol": "keras_o2v.inference.protocol",
    "runtime": "keras_o2v.inference.runtime",
    **{name: "keras_o2v.inference.protocol" for name in _PROTOCOL},
    **{name: "keras_o2v.inference.runtime" for name in _RUNTIME},
})

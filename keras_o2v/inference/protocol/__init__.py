"""The wire formats of inference, without TensorFlow: what clients and servers share.

| module | what it holds |
|---|---|
| `instances` | a SageMaker instance (`{"in0", "in1"}`) validated, and the signature it needs |
| `sagemaker` | `/invocations` bodies: content types, `infer_max_seqlens`, Accept |
| `tfserving_json` | TF Serving's REST `:predict` JSON (row and columnar), with its error wording |
| `batching` | instances of mixed modes -> one padded batch per signature, and back |
| `tfserving_client` | ragged SageMaker instances -> rectangular TF Serving request bodies |
| `errors` | `InferenceError`: a message and the HTTP status to answer with |

Example:
>>> from keras_o2v.inference.protocol import to_tfserving_request
>>> to_tfserving_request([{"in0": [5, 6, 7]}, {"in0": [8]}])
{'signature_name': 'embed_in0', 'instances': [{'in0': [5, 6, 7]}, {'in0': [8, 0, 0]}]}
"""

from keras_o2v.inference.protocol.batching import SignatureBatch, assemble, plan_batches
from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v.inference.protocol.instances import Instance, parse_instance, parse_instances
from keras_o2v.inference.protocol.sagemaker import (
    choose_accept,
    decode_request,
    encode_response,
    preferred_mode,
)
from keras_o2v.inference.protocol.tfserving_client import (
    from_tfserving_responses,
    to_tfserving_request,
    to_tfserving_requests,
)
from keras_o2v.inference.protocol.tfserving_json import (
    TensorSpec,
    format_predict_response,
    parse_predict_request,
)

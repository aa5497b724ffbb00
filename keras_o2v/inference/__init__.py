"""The SageMaker Object2Vec and TensorFlow Serving inference protocols, shared by
`o2v serve`, `o2v predict` and users' own clients.

Example:
>>> from keras_o2v.inference import to_tfserving_request
>>> to_tfserving_request([{"in0": [5, 6, 7]}, {"in0": [8]}])
{'signature_name': 'embed_in0', 'instances': [{'in0': [5, 6, 7]}, {'in0': [8, 0, 0]}]}
"""

from keras_o2v.inference.batching import SignatureBatch, assemble, plan_batches
from keras_o2v.inference.errors import InferenceError
from keras_o2v.inference.instances import Instance, parse_instance, parse_instances
from keras_o2v.inference.sagemaker import choose_accept, decode_request, encode_response, preferred_mode
from keras_o2v.inference.saved_model_runner import SavedModelRunner
from keras_o2v.inference.tfserving_client import (
                                           from_tfserving_responses,
                                           to_tfserving_request,
                                           to_tfserving_requests,
)
from keras_o2v.inference.tfserving_json import TensorSpec, format_predict_response, parse_predict_request

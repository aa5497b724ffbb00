"""The deployment files in serving/: models.config parses, the gRPC example builds good requests."""

import importlib.util
import os

import numpy as np
import tensorflow as tf
from google.protobuf import text_format

from keras_o2v.export import export_saved_model
from keras_o2v.inference import SavedModelRunner
from tests.serving_models import predict_scores, tiny_model

SERVING = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "serving")


def test_models_config_is_a_model_server_config():
    from tensorflow_serving.config import model_server_config_pb2

    with open(os.path.join(SERVING, "models.config")) as f:
        config = text_format.Parse(f.read(), model_server_config_pb2.ModelServerConfig())
    (model,) = config.model_config_list.config
    assert (model.name, model.base_path, model.model_platform) == ("o2v", "/models/o2v", "tensorflow")


class _InProcessStub:
    """Stands in for PredictionServiceStub: answers PredictRequests with the SavedModel."""

    def __init__(self, runner):
        self.runner = runner

    def Predict(self, request, timeout):  # noqa: N802 (gRPC method name)
        from tensorflow_serving.apis import predict_pb2

        inputs = {name: tf.make_ndarray(proto) for name, proto in request.inputs.items()}
        outputs = self.runner.run(request.model_spec.signature_name, inputs)
        response = predict_pb2.PredictResponse()
        for name, value in outputs.items():
            response.outputs[name].CopyFrom(tf.make_tensor_proto(value))
        return response


def load_grpc_example():
    """serving/grpc_client_example.py as a module."""
    spec = importlib.util.spec_from_file_location(
        "grpc_client_example", os.path.join(SERVING, "grpc_client_example.py"))
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return example


def test_grpc_client_example(tmp_path):
    example = load_grpc_example()
    model = tiny_model("pooled_embedding", seed=6)
    runner = SavedModelRunner(export_saved_model(model, tmp_path / "o2v"))
    instances = [{"in0": [4, 5, 6], "in1": [7]}, {"in0": [8]}, {"in0": [9], "in1": [1, 2, 3]}]
    results = example.predict(_InProcessStub(runner), instances)
    np.testing.assert_allclose([results[0]["scores"], results[2]["scores"]],
                               predict_scores(model, [[4, 5, 6], [9]], [[7], [1, 2, 3]]), atol=1e-5)
    np.testing.assert_allclose(results[1]["embeddings"], model.embed(in0=[[8]])[0], atol=1e-5)

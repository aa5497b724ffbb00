"""The deployment files in serving/: models.config parses (the gRPC example runs in
test_serving_operations against `o2v serve --grpc-port`)."""

import importlib.util
import os

from google.protobuf import text_format

SERVING = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "serving")


def test_models_config_is_a_model_server_config():
    from tensorflow_serving.config import model_server_config_pb2

    with open(os.path.join(SERVING, "models.config")) as f:
        config = text_format.Parse(f.read(), model_server_config_pb2.ModelServerConfig())
    (model,) = config.model_config_list.config
    assert (model.name, model.base_path, model.model_platform) == ("o2v", "/models/o2v", "tensorflow")


def load_grpc_example():
    """serving/grpc_client_example.py as a module."""
    spec = importlib.util.spec_from_file_location(
        "grpc_client_example", os.path.join(SERVING, "grpc_client_example.py"))
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return example

"""Scores and embeddings from TensorFlow Serving over gRPC (tensorflow-serving-api).

Pads SageMaker-style ragged instances with `keras_o2v.inference.to_tfserving_requests`
(one request per signature) and calls `PredictionService/Predict`.

Example:
    $ python serving/grpc_client_example.py --host localhost:8500 --model-name o2v
"""

import argparse

import numpy as np


def make_predict_requests(instances, model_name="o2v"):
    """`[(PredictRequest, positions), ...]`: one padded request per signature.

    Args:
        instances: SageMaker instances, e.g. `[{"in0": [4, 5], "in1": [6]}, {"in1": [7]}]`.
        model_name: the model name TF Serving serves.
    """
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2

    from keras_o2v.inference import to_tfserving_requests

    requests = []
    for signature, body, positions in to_tfserving_requests(instances):
        request = predict_pb2.PredictRequest()
        request.model_spec.name = model_name
        request.model_spec.signature_name = signature
        for name in body["instances"][0]:
            rows = np.array([row[name] for row in body["instances"]], np.int64)
            request.inputs[name].CopyFrom(tf.make_tensor_proto(rows))
        requests.append((request, positions))
    return requests


def predict(stub, instances, model_name="o2v", timeout_s=10.0):
    """SageMaker-style answers (`{"scores"}` / `{"embeddings"}`) in instance order."""
    import tensorflow as tf

    from keras_o2v.serving_contract import OUTPUT_KEYS

    results = [None] * len(instances)
    for request, positions in make_predict_requests(instances, model_name):
        response = stub.Predict(request, timeout_s)
        key = OUTPUT_KEYS[request.model_spec.signature_name]
        rows = tf.make_ndarray(response.outputs[key]).tolist()
        for position, row in zip(positions, rows):
            results[position] = {key: row}
    return results


def main():
    import grpc
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="localhost:8500")
    parser.add_argument("--model-name", default="o2v")
    args = parser.parse_args()
    stub = prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel(args.host))
    instances = [{"in0": [4, 5, 6], "in1": [7]}, {"in0": [8]}, {"in1": [9, 10]}]
    for instance, result in zip(instances, predict(stub, instances, args.model_name)):
        print(instance, "->", result)


if __name__ == "__main__":
    main()

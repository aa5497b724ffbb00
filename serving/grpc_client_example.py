"""Scores and embeddings from TensorFlow Serving over gRPC (tensorflow-serving-api).

Pads SageMaker-style ragged instances with `keras_o2v.inference.to_tfserving_requests`
(one request per signature) and calls `PredictionService/Predict`. Works against
stock TensorFlow Serving and against `o2v serve --grpc-port 8500`.

Example:
    $ python serving/grpc_client_example.py --host localhost:8500 --model-name o2v
    $ python serving/grpc_client_example.py --host localhost:8500 --top-k 5
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
    from keras_o2v.serving_contract import K

    requests = []
    for signature, body, positions in to_tfserving_requests(instances):
        request = predict_pb2.PredictRequest()
        request.model_spec.name = model_name
        request.model_spec.signature_name = signature
        for name in body["instances"][0]:
            dtype = np.int32 if name == K else np.int64
            rows = np.array([row[name] for row in body["instances"]], dtype)
            request.inputs[name].CopyFrom(tf.make_tensor_proto(rows))
        requests.append((request, positions))
    return requests


def predict(stub, instances, model_name="o2v", timeout_s=10.0):
    """SageMaker-style answers in instance order: `{"scores"}`, `{"embeddings"}`, or
    `{"ids", "scores"}` for top-k instances (`{"in0": [...], "k": 5}`)."""
    import tensorflow as tf

    from keras_o2v.serving_contract import IDS, NO_CANDIDATE, OUTPUT_KEYS

    results = [None] * len(instances)
    for request, positions in make_predict_requests(instances, model_name):
        response = stub.Predict(request, timeout=timeout_s)
        keys = OUTPUT_KEYS[request.model_spec.signature_name]
        columns = {key: tf.make_ndarray(response.outputs[key]).tolist() for key in keys}
        for row, position in enumerate(positions):
            result = {key: columns[key][row] for key in keys}
            if IDS in result:  # leave out empty slots (past k, or all others excluded)
                keep = [i for i, item in enumerate(result[IDS]) if item != NO_CANDIDATE]
                result = {key: [result[key][i] for i in keep] for key in keys}
            results[position] = result
    return results


def main(argv=None):
    import grpc
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="localhost:8500")
    parser.add_argument("--model-name", default="o2v")
    parser.add_argument("--top-k", type=int, default=0,
                        help="also ask for the k best candidates (exports with --candidates)")
    args = parser.parse_args(argv)
    stub = prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel(args.host))
    instances = [{"in0": [4, 5, 6], "in1": [7]}, {"in0": [8]}, {"in1": [9, 10]}]
    if args.top_k:
        instances.append({"in0": [4, 5], "k": args.top_k})
    for instance, result in zip(instances, predict(stub, instances, args.model_name)):
        print(instance, "->", result)


if __name__ == "__main__":
    main()

"""TensorFlow Serving's gRPC API on `o2v serve --grpc-port`: `PredictionService`
(`Predict`, `GetModelMetadata`; `Classify` / `Regress` / `MultiInference` answer as TF
Serving does for predict-only models) and `ModelService.GetModelStatus`, with the
stubs of `tensorflow-serving-api`, from the same models, limits and errors as REST."""

import grpc
import tensorflow as tf
from tensorflow_serving.apis import (
    get_model_status_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v.serving_contract import SCORE_SIGNATURE
from keras_o2v_serving.tfserving_handlers import metadata_response
from keras_o2v_serving.work import Deadline

# HTTP status of an InferenceError -> gRPC status (TF Serving's mapping, read backwards).
_CODES = {400: grpc.StatusCode.INVALID_ARGUMENT, 404: grpc.StatusCode.NOT_FOUND,
          408: grpc.StatusCode.DEADLINE_EXCEEDED, 413: grpc.StatusCode.RESOURCE_EXHAUSTED,
          415: grpc.StatusCode.INVALID_ARGUMENT, 501: grpc.StatusCode.UNIMPLEMENTED,
          502: grpc.StatusCode.UNAVAILABLE, 503: grpc.StatusCode.UNAVAILABLE,
          504: grpc.StatusCode.DEADLINE_EXCEEDED}


async def start_grpc_server(service, config):
    """Starts the gRPC server on `config.host:config.grpc_port`; returns it.

    A connection without calls for `config.grpc_idle_timeout_seconds` is closed
    with GOAWAY (`grpc.max_connection_idle_ms`); clients reconnect on their next call.
    """
    server = grpc.aio.server(options=[
        ("grpc.max_receive_message_length", config.max_request_bytes),
        ("grpc.max_send_message_length", -1),
        ("grpc.max_connection_idle_ms", max(1, round(config.grpc_idle_timeout_seconds * 1000)))])
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        PredictionServicer(service), server)
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(ModelServicer(service), server)
    address = f"{config.host}:{config.grpc_port}"
    if server.add_insecure_port(address) == 0:
        raise OSError(f"Cannot listen for gRPC on {address}")
    await server.start()
    return server


def _spec(model_spec):
    """`(name, version or None, label or None)` of a ModelSpec."""
    choice = model_spec.WhichOneof("version_choice")
    version = model_spec.version.value if choice == "version" else None
    label = model_spec.version_label if choice == "version_label" else None
    return model_spec.name, version, label


async def _abort(context, error):
    code = _CODES.get(error.status, grpc.StatusCode.INTERNAL)
    await context.abort(code, error.message)


def _deadline(service, context):
    deadline = service.deadline()
    remaining = context.time_remaining()
    if remaining is not None and remaining < deadline.remaining():
        deadline = Deadline(max(remaining, 0))
    return deadline


class PredictionServicer(prediction_service_pb2_grpc.PredictionServiceServicer):
    """`tensorflow.serving.PredictionService` over an `InferenceService`."""

    def __init__(self, service):
        self.service = service

    async def Predict(self, request, context):  # noqa: N802 (gRPC method names)
        service = self.service
        deadline = _deadline(service, context)
        name, version, label = _spec(request.model_spec)
        signature = request.model_spec.signature_name or SCORE_SIGNATURE
        try:
            inputs = {key: tf.make_ndarray(value) for key, value in request.inputs.items()}
        except (TypeError, ValueError) as error:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"Bad input tensor: {error}")
        try:
            served, outputs = await service.limiter.run(
                service.predict_arrays(name, version, label, signature, inputs, deadline), deadline)
        except InferenceError as error:
            await _abort(context, error)
        wanted = set(request.output_filter) or set(outputs)
        unknown = wanted - set(outputs)
        if unknown:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                                f"output tensor alias not found in signature: {sorted(unknown)[0]}")
        response = predict_pb2.PredictResponse()
        response.model_spec.name = name
        response.model_spec.version.value = served
        response.model_spec.signature_name = signature
        for key in sorted(wanted):
            response.outputs[key].CopyFrom(tf.make_tensor_proto(outputs[key]))
        return response

    async def GetModelMetadata(self, request, context):  # noqa: N802
        fields = list(request.metadata_field)
        if fields != ["signature_def"]:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                                f"Metadata field {', '.join(fields) or '(none)'} is not supported; "
                                f"ask for signature_def")
        name, version, label = _spec(request.model_spec)
        try:
            registry = self.service.registry(name)
            runner = registry.get(version, label)
        except InferenceError as error:
            await _abort(context, error)
        return metadata_response(registry, runner, name)

    async def _predict_only(self, request, context, method):
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                            f"Expected {method} signature method_name to be tensorflow/serving/"
                            f"{method}. Was: tensorflow/serving/predict; use Predict")

    async def Classify(self, request, context):  # noqa: N802
        await self._predict_only(request, context, "classify")

    async def Regress(self, request, context):  # noqa: N802
        await self._predict_only(request, context, "regress")

    async def MultiInference(self, request, context):  # noqa: N802
        await self._predict_only(request, context, "classify")


class ModelServicer(model_service_pb2_grpc.ModelServiceServicer):
    """`tensorflow.serving.ModelService.GetModelStatus` (config reloads are not offered)."""

    def __init__(self, service):
        self.service = service

    async def GetModelStatus(self, request, context):  # noqa: N802
        name, version, label = _spec(request.model_spec)
        try:
            registry = self.service.registry(name)
            entries = registry.status(registry.resolve_version(version, label))
        except InferenceError as error:
            if error.status == 404 and version is None and label is None:
                error = InferenceError(f"Could not find any versions of model {name}", 404)
            await _abort(context, error)
        response = get_model_status_pb2.GetModelStatusResponse()
        for entry in entries:
            status = response.model_version_status.add()
            status.version = int(entry["version"])
            status.state = get_model_status_pb2.ModelVersionStatus.State.Value(entry["state"])
            status.status.error_code = _error_code(entry["status"]["error_code"])
            status.status.error_message = entry["status"]["error_message"]
        return response

    async def HandleReloadConfigRequest(self, request, context):  # noqa: N802
        await context.abort(grpc.StatusCode.UNIMPLEMENTED,
                            "o2v serve re-reads --model-config-file when it changes; edit the file")


def _error_code(name):
    from tensorflow.core.protobuf import error_codes_pb2

    return error_codes_pb2.Code.Value(name)

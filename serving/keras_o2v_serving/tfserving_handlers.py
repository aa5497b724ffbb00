"""TensorFlow Serving's REST API: model status, metadata and `:predict`
(https://www.tensorflow.org/tfx/serving/api_rest), for every served model,
version and version label."""

from google.protobuf import json_format

from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v_serving.keys import CONFIG, SERVICE
from keras_o2v_serving.responses import json_response, read_body, send_parts


def _target(request):
    """`(registry, version or None, label or None)` of a `/v1/models/...` path."""
    service = request.app[SERVICE]
    info = request.match_info
    registry = service.registry(info["name"])
    version = info.get("version")
    return registry, None if version is None else int(version), info.get("label")


async def model_status(request):
    """`GET /v1/models/{name}[/versions/{v}|/labels/{l}]`: GetModelStatusResponse JSON."""
    name = request.match_info["name"]
    try:
        registry, version, label = _target(request)
    except InferenceError as error:
        if error.status == 404:
            raise InferenceError(f"Could not find any versions of model {name}", 404) from None
        raise
    version = registry.resolve_version(version, label)
    return json_response({"model_version_status": registry.status(version)})


def metadata_response(registry, runner, name):
    """GetModelMetadataResponse (proto) with the `signature_def` map, as TF Serving fills it."""
    from tensorflow_serving.apis import get_model_metadata_pb2

    signature_map = get_model_metadata_pb2.SignatureDefMap()
    for key, signature in runner.signature_defs.items():
        signature_map.signature_def[key].CopyFrom(signature)
    response = get_model_metadata_pb2.GetModelMetadataResponse()
    response.model_spec.name = name
    response.model_spec.version.value = runner.version
    response.metadata["signature_def"].Pack(signature_map)
    return response


async def model_metadata(request):
    """`GET /v1/models/{name}[/versions/{v}|/labels/{l}]/metadata`: the signature_def map."""
    registry, version, label = _target(request)
    runner = registry.get(version, label)
    response = metadata_response(registry, runner, request.match_info["name"])
    payload = json_format.MessageToDict(response, preserving_proto_field_name=True)
    payload["model_spec"] = {"name": response.model_spec.name, "signature_name": "",
                             "version": str(runner.version)}
    return json_response(payload)


async def predict(request):
    """`POST /v1/models/{name}[/versions/{v}|/labels/{l}]:predict`, row or columnar."""
    service = request.app[SERVICE]
    deadline = service.deadline()
    registry, version, label = _target(request)
    registry.get(version, label)  # 404 / 503 before reading the body
    body = await read_body(request, request.app[CONFIG])
    answer = await service.limiter.run(
        service.predict_json(registry.name, version, label, body, deadline), deadline)
    return await send_parts(request, answer, "application/json", service.workers.threads,
                            request.app[CONFIG].request_timeout_seconds)


async def classify_or_regress(request):
    """`:classify` / `:regress` need classify/regress signatures, which Keras exports lack."""
    registry, version, label = _target(request)
    registry.get(version, label)
    method = request.match_info["method"]
    raise InferenceError(f"Expected {method} signature method_name to be tensorflow/serving/"
                         f"{method}. Was: tensorflow/serving/predict; use :predict")


def add_routes(app):
    """Registers the `/v1/models/...` routes on `app`."""
    name = "{name:[^/:]+}"
    prefixes = (f"/v1/models/{name}", f"/v1/models/{name}/versions/{{version:[0-9]+}}",
                f"/v1/models/{name}/labels/{{label:[a-zA-Z0-9_]+}}")
    for prefix in prefixes:
        app.router.add_get(prefix, model_status)
        app.router.add_get(prefix + "/metadata", model_metadata)
        app.router.add_post(prefix + ":predict", predict)
        app.router.add_post(prefix + ":{method:classify|regress}", classify_or_regress)

"""TensorFlow Serving's REST API: model status, metadata and `:predict`
(https://www.tensorflow.org/tfx/serving/api_rest)."""

import asyncio

from google.protobuf import json_format

from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v.inference.protocol.tfserving_json import format_predict_response, parse_predict_request
from keras_o2v_serving.keys import EXECUTOR, REGISTRY
from keras_o2v_serving.responses import json_response


def _runner(request):
    registry = request.app[REGISTRY]
    if registry is None:
        raise InferenceError("This o2v serve forwards /invocations to TensorFlow Serving and "
                             "has no local model; send TF Serving API calls to TF Serving",
                             status=503)
    version = request.match_info.get("version")
    return registry.get(request.match_info["name"], None if version is None else int(version))


async def model_status(request):
    """`GET /v1/models/{name}[/versions/{v}]`: GetModelStatusResponse JSON."""
    name = request.match_info["name"]
    try:
        runner = _runner(request)
    except InferenceError as error:
        if error.status == 404 and "version" not in request.match_info:
            raise InferenceError(f"Could not find any versions of model {name}", 404) from None
        raise
    return json_response({"model_version_status": [{
        "version": str(runner.version), "state": "AVAILABLE",
        "status": {"error_code": "OK", "error_message": ""}}]})


async def model_metadata(request):
    """`GET /v1/models/{name}[/versions/{v}]/metadata`: the signature_def map."""
    from tensorflow_serving.apis import get_model_metadata_pb2

    runner = _runner(request)
    signature_map = get_model_metadata_pb2.SignatureDefMap()
    for key, signature in runner.signature_defs.items():
        signature_map.signature_def[key].CopyFrom(signature)
    response = get_model_metadata_pb2.GetModelMetadataResponse()
    response.model_spec.name = request.match_info["name"]
    response.model_spec.version.value = runner.version
    response.metadata["signature_def"].Pack(signature_map)
    return json_response(json_format.MessageToDict(response, preserving_proto_field_name=True))


async def predict(request):
    """`POST /v1/models/{name}[/versions/{v}]:predict`, row or columnar."""
    runner = _runner(request)
    body = await request.read()

    def run():
        parsed = parse_predict_request(body, runner.input_specs)
        outputs = runner.run(parsed.signature_name, parsed.inputs)
        return format_predict_response(outputs, parsed.columnar)

    loop = asyncio.get_running_loop()
    return json_response(await loop.run_in_executor(request.app[EXECUTOR], run))


async def classify_or_regress(request):
    """`:classify` / `:regress` need classify/regress signatures, which Keras exports lack."""
    _runner(request)
    method = request.match_info["method"]
    raise InferenceError(f"Expected {method} signature method_name to be tensorflow/serving/"
                         f"{method}. Was: tensorflow/serving/predict; use :predict")


def add_routes(app):
    """Registers the `/v1/models/...` routes on `app`."""
    name = "{name:[^/:]+}"
    version = "{version:[0-9]+}"
    for prefix in (f"/v1/models/{name}", f"/v1/models/{name}/versions/{version}"):
        app.router.add_get(prefix, model_status)
        app.router.add_get(prefix + "/metadata", model_metadata)
        app.router.add_post(prefix + ":predict", predict)
        app.router.add_post(prefix + ":{method:classify|regress}", classify_or_regress)

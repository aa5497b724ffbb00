"""SageMaker's `GET /ping`, `POST /invocations` and `GET /execution-parameters` for Object2Vec
(https://docs.aws.amazon.com/sagemaker/latest/dg/object2vec-inference-formats.html,
https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-inference-code.html)."""

from aiohttp import web

from keras_o2v.inference.protocol.sagemaker import JSON, choose_accept
from keras_o2v_serving.keys import CONFIG, SERVICE
from keras_o2v_serving.responses import json_error, json_response, read_body, send_parts


async def ping(request):
    """200 when `/invocations` can be answered, 503 otherwise; never waits on other work."""
    service = request.app[SERVICE]
    if await service.ready():
        return web.Response(status=200)
    name = service.default_name
    registry = service.registries.get(name)
    message = registry.nothing_loaded_message() if registry is not None else \
        "TensorFlow Serving does not report the model available"
    return json_error(message, 503)


async def invocations(request):
    """Scores, embeddings or top-k candidates for JSON / JSON Lines instances, mode per instance."""
    service = request.app[SERVICE]
    deadline = service.deadline()
    accept = choose_accept(request.headers.get("Accept"), default=JSON)
    content_type = request.headers.get("Content-Type", "")
    body = await read_body(request, request.app[CONFIG])
    answer = await service.limiter.run(
        service.invocations(body, content_type, accept, deadline), deadline)
    return await send_parts(request, answer, accept, service.workers.threads,
                            request.app[CONFIG].request_timeout_seconds)


async def execution_parameters(request):
    """What SageMaker batch transform may send at once (`MaxPayloadInMB`, concurrency)."""
    config = request.app[CONFIG]
    return json_response({
        "MaxConcurrentTransforms": config.max_concurrent_requests,
        "BatchStrategy": "MULTI_RECORD",
        "MaxPayloadInMB": max(1, config.max_request_bytes // (1024 * 1024)),
    })

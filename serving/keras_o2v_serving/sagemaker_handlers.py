"""SageMaker's `GET /ping` and `POST /invocations` for Object2Vec
(https://docs.aws.amazon.com/sagemaker/latest/dg/object2vec-inference-formats.html)."""

import asyncio

from aiohttp import web

from keras_o2v.inference.protocol.instances import parse_instances
from keras_o2v.inference.protocol.sagemaker import (
    JSON,
    choose_accept,
    decode_request,
    encode_response,
    parse_media_type,
)
from keras_o2v_serving.keys import BACKEND, EXECUTOR
from keras_o2v_serving.responses import json_error


async def ping(request):
    """200 when a model is ready to answer, 503 otherwise."""
    if await request.app[BACKEND].ready():
        return web.Response(status=200)
    return json_error("No model version is loaded yet", 503)


async def invocations(request):
    """Scores or embeddings for JSON / JSON Lines instances, mode chosen per instance."""
    body = await request.read()
    accept = choose_accept(request.headers.get("Accept"), default=JSON)
    content_type = request.headers.get("Content-Type", "")
    backend = request.app[BACKEND]
    hyperparameters = backend.hyperparameters

    def parse():
        records, max_seqlens = decode_request(body, content_type)
        label = "instance" if parse_media_type(content_type)[0] == JSON else "line"
        return parse_instances(records, hyperparameters, max_seqlens, label=label)

    loop = asyncio.get_running_loop()
    instances = await loop.run_in_executor(request.app[EXECUTOR], parse)
    results = await backend.predict(instances)
    return web.Response(body=encode_response(results, accept), content_type=accept)

"""JSON bodies shaped like TF Serving's (`{"error": "<message>"}`), and bounded body reads."""

import asyncio

from aiohttp import web

from keras_o2v.inference.protocol import json_codec
from keras_o2v.inference.protocol.errors import InferenceError


def json_error(message, status, headers=None):
    """A `{"error": message}` response with `status`."""
    return web.Response(status=status, body=json_codec.dumps({"error": message}),
                        content_type="application/json", headers=headers)


def json_response(payload, status=200):
    """A JSON response (NaN and Infinity written as TF Serving does)."""
    return web.Response(status=status, body=json_codec.dumps(payload),
                        content_type="application/json")


async def read_body(request, config):
    """The request body, which must arrive within `body_timeout_seconds`.

    Raises:
        InferenceError: 408 when the client is too slow (the connection is closed
            after the answer, see `runner_options`).
    """
    from keras_o2v_serving.work import within

    try:
        return await within(config.body_timeout_seconds, request.read())
    except asyncio.TimeoutError:
        raise InferenceError(f"The request body did not arrive within "
                             f"{config.body_timeout_seconds:g} s (--body-timeout-seconds)",
                             status=408) from None

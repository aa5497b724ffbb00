"""JSON bodies shaped like TF Serving's (`{"error": "<message>"}`), bounded body reads, and
answers written part by part."""

import asyncio
import logging

from aiohttp import web

from keras_o2v.inference.protocol import json_codec
from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v_serving.log_fields import escape

log = logging.getLogger("keras_o2v_serving")


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


RELEASE_AFTER_BYTES = 16 * 1024 * 1024  # answers this large hand their freed memory back
WRITE_BYTES = 1024 * 1024  # at most this much is handed to the transport at once


async def send_parts(request, parts, content_type, threads, write_timeout):
    """Answers 200 with the body `b"".join(parts)`, never joined in memory.

    A small answer in one part is an ordinary response. Several parts (a large
    answer, see `large_answers`) or one of `RELEASE_AFTER_BYTES` or more are
    written a piece at a time under one `Content-Length`, each write bounded by
    `write_timeout`: a client that stops reading, or leaves, is disconnected with
    one log line. After such an answer, freed memory goes back to the system
    (`memory.release_free_memory`, in `threads`).

    Args:
        request: the aiohttp request.
        parts: a list of bytes; emptied as it is written.
        content_type: the media type of the body.
        threads: the executor for the memory release.
        write_timeout: seconds one part may take to be written.

    Returns:
        The (already written) response.
    """
    from keras_o2v_serving.memory import release_free_memory
    from keras_o2v_serving.work import within

    size = sum(len(part) for part in parts)
    if len(parts) == 1 and size < RELEASE_AFTER_BYTES:
        return web.Response(body=parts.pop(), content_type=content_type)
    response = web.StreamResponse()
    response.content_type = content_type
    response.content_length = size
    try:
        await response.prepare(request)
        parts.reverse()  # pop from the end: each part is freed once written
        while parts:
            part = memoryview(parts.pop())
            for start in range(0, len(part), WRITE_BYTES):
                await within(write_timeout, response.write(part[start:start + WRITE_BYTES]))
            del part
        await response.write_eof()
    except (asyncio.TimeoutError, ConnectionError) as error:
        reason = (f"it did not read the answer within {write_timeout:g} s" if
                  isinstance(error, asyncio.TimeoutError) else "it closed the connection")
        log.info("%s %s: answer cut off after %d of %d bytes: %s", escape(request.method, 100),
                 escape(request.path, 300), response.body_length, size, reason)
        if request.transport is not None:
            request.transport.abort()
    finally:
        parts.clear()
        if size >= RELEASE_AFTER_BYTES:
            await asyncio.get_running_loop().run_in_executor(threads, release_free_memory)
    return response

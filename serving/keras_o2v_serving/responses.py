"""JSON error bodies shaped like TF Serving's: `{"error": "<message>"}`."""

import json

from aiohttp import web


def json_error(message, status):
    """A `{"error": message}` response with `status`."""
    return web.Response(status=status, body=json.dumps({"error": message}).encode("utf-8"),
                        content_type="application/json")


def json_response(payload, status=200):
    """A JSON response (NaN and Infinity written as TF Serving does)."""
    return web.Response(status=status, body=json.dumps(payload).encode("utf-8"),
                        content_type="application/json")

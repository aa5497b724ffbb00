"""HTTP that aiohttp's parser refuses, answered as every other error of `o2v serve` is.

A request line that is not HTTP, an over-long URL or header, too many headers,
`Content-Length` beside `Transfer-Encoding`, bytes a URL may not hold: aiohttp
refuses these before any route or middleware runs, and by itself answers in plain
text with `Server: Python/... aiohttp/...` and logs a traceback. `ServingRunner`
(an `aiohttp.web.AppRunner`) serves the application with `ServingRequestHandler`
instead, whose `handle_error` answers `{"error": ...}` with `Server: o2v-serve` and
logs one line per rejected request, its request-controlled text escaped.

aiohttp has no public hook for this (aio-libs/aiohttp#3287): the runner builds its
`aiohttp.web.Server` as `AppRunner` does and makes it create this handler class,
the rest of aiohttp's connection handling unchanged. tests/test_serving_http_layer.py
sends the hostile requests on raw sockets, so an aiohttp that changes these
internals fails there.

Example:
>>> runner = ServingRunner(app, access_log=None, **runner_options(config))  # doctest: +SKIP
>>> await runner.setup(); await web.TCPSite(runner, "127.0.0.1", 8080).start()  # doctest: +SKIP
"""

import logging

from aiohttp import web, web_protocol
from aiohttp.http_exceptions import HttpProcessingError, LineTooLong

from keras_o2v.inference.protocol import json_codec
from keras_o2v_serving.log_fields import escape

log = logging.getLogger("keras_o2v_serving")

SERVER_HEADER = "o2v-serve"
# The URL and header limits differ so that the limit a `LineTooLong` names tells them apart.
MAX_URL_BYTES = 8192  # the request line's URL: 414 past it
MAX_HEADER_BYTES = 8190  # one header's name and value: 431 past it
MAX_HEADERS = 100  # header fields per request: 431 past it
MESSAGE_CHARS = 200  # of the parser's text quoted back


def parser_limits():
    """`RequestHandler` keyword arguments: the request line and header limits above."""
    return {"max_line_size": MAX_URL_BYTES, "max_field_size": MAX_HEADER_BYTES,
            "max_headers": MAX_HEADERS}


def describe_parse_error(error):
    """`(HTTP status, message)` for a request aiohttp's parser refused.

    414 for a URL over `MAX_URL_BYTES`, 431 for a header over `MAX_HEADER_BYTES` or
    more than `MAX_HEADERS` of them (RFC 9110 section 15.5.15, RFC 6585 section 5),
    400 for anything else, with the parser's reason on one line.
    """
    if isinstance(error, LineTooLong):
        if len(error.args) > 1 and error.args[1] == MAX_URL_BYTES:
            return 414, f"The request URL is longer than {MAX_URL_BYTES} bytes"
        return 431, f"A request header (name and value) is longer than {MAX_HEADER_BYTES} bytes"
    reason = " ".join(line.strip() for line in str(error.message).splitlines()
                      if line.strip() and set(line.strip()) != {"^"})
    if reason == "Too many headers received":
        return 431, f"The request has more than {MAX_HEADERS} header fields"
    if len(reason) > MESSAGE_CHARS:
        reason = reason[:MESSAGE_CHARS] + "..."
    return 400, f"Malformed HTTP request: {reason or type(error).__name__}"


class ServingRequestHandler(web_protocol.RequestHandler):
    """aiohttp's connection handler, with `o2v serve`'s error answers, log lines and header timeout.

    aiohttp's `keepalive_timeout` closes a connection that sits idle between
    requests; `header_timeout` closes one whose request line and headers are not
    complete that long after it opened, or after the first byte of a later request.

    Args:
        manager: the `aiohttp.web.Server`.
        header_timeout: seconds (None: only aiohttp's idle timeout applies).
        **kwargs: as for `aiohttp.web_protocol.RequestHandler`.
    """

    __slots__ = ("_header_timeout", "_header_timer", "_partial_request")

    def __init__(self, manager, *, header_timeout=None, **kwargs):
        super().__init__(manager, **kwargs)
        self._header_timeout = header_timeout
        self._header_timer = None
        self._partial_request = False

    def connection_made(self, transport):
        super().connection_made(transport)
        self._start_header_timer()

    def data_received(self, data):
        waiting = self._waiter is not None and not self._waiter.done()
        super().data_received(data)
        if self._messages:  # a complete request line and headers
            self._stop_header_timer()
        elif waiting:
            self._partial_request = True
            self._start_header_timer()

    def connection_lost(self, exc):
        self._stop_header_timer()
        super().connection_lost(exc)

    def _start_header_timer(self):
        if self._header_timeout is not None and self._header_timer is None:
            self._header_timer = self._loop.call_later(self._header_timeout, self._headers_late)

    def _stop_header_timer(self):
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        self._partial_request = False

    def _headers_late(self):
        self._header_timer = None
        if self._waiter is None or self._waiter.done() or self.transport is None:
            return  # a request is being handled: its body has a timeout of its own
        if self._partial_request:
            peer = self.transport.get_extra_info("peername") or ("?",)
            log.info("Closed the connection from %s: its request headers did not arrive within "
                     "%g s (--header-timeout-seconds)", peer[0], self._header_timeout)
        self.force_close()

    def handle_error(self, request, status=500, exc=None, message=None):
        """The JSON error response for a request aiohttp could not hand to the application."""
        if isinstance(exc, HttpProcessingError):
            status, text = describe_parse_error(exc)
            log.info("Malformed HTTP request from %s -> %d: %s", request.remote, status, escape(text))
        elif status == 500:
            log.error("Internal error on %s %s", escape(request.method, 100),
                      escape(request.path, 300), exc_info=exc)
            text = "Internal server error; the server log has the details"
        else:
            text = escape(message or f"HTTP {status}", MESSAGE_CHARS)
            log.info("%s %s -> %d: %s", escape(request.method, 100), escape(request.path, 300),
                     status, text)
        if request.writer.output_size > 0:  # part of an answer is out: only closing is left
            raise ConnectionError("Response is sent already, cannot send another response "
                                  "with the error message")
        response = web.Response(status=status, body=json_codec.dumps({"error": text}),
                                content_type="application/json")
        response.headers["Server"] = SERVER_HEADER
        response.force_close()  # the parser's state is lost with the request
        return response


class _ServingServer(web.Server):
    """An `aiohttp.web.Server` whose connections are `ServingRequestHandler`s."""

    def __call__(self):
        return ServingRequestHandler(self, loop=self._loop, **self._kwargs)


class ServingRunner(web.AppRunner):
    """`aiohttp.web.AppRunner` whose connections answer parser errors as `o2v serve` does.

    Args:
        app: the `aiohttp.web.Application`.
        **kwargs: as for `AppRunner` (`access_log`, `keepalive_timeout`, ...).
    """

    async def _make_server(self):
        server = await super()._make_server()  # runs the application's startup
        return _ServingServer(server.request_handler, request_factory=server.request_factory,
                              handler_cancellation=server.handler_cancellation,
                              loop=server._loop, **server._kwargs)

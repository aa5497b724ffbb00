"""`o2v serve --access-log`: one line per request, every request-controlled field escaped.

The line reads as aiohttp's default (`%a "%r" %s %b "%{Referer}i" "%{User-Agent}i"`,
plus the time taken), with the method, path, query, referer and user agent passed
through `log_fields.escape`, so no header or URL can forge a line.

Example:
    127.0.0.1 "POST /invocations HTTP/1.1" 200 41 "-" "curl/8.5.0" 0.0031s
"""

from aiohttp.abc import AbstractAccessLogger

from keras_o2v_serving.log_fields import escape

FIELD_CHARS = 300  # of one request-controlled field


class EscapingAccessLogger(AbstractAccessLogger):
    """An aiohttp access logger (`access_log_class`) whose request fields are escaped."""

    def log(self, request, response, time):
        headers = request.headers
        version = request.version
        self.logger.info('%s "%s %s HTTP/%d.%d" %d %d "%s" "%s" %.4fs', request.remote or "-",
                         escape(request.method, FIELD_CHARS), escape(request.path_qs, FIELD_CHARS),
                         version.major, version.minor, response.status, response.body_length,
                         escape(headers.get("Referer", "-"), FIELD_CHARS),
                         escape(headers.get("User-Agent", "-"), FIELD_CHARS), time)

"""`o2v serve` below the application: HTTP aiohttp's parser refuses, log escaping, idle timeouts.

The hostile requests go over raw sockets, as a scanner or a broken client sends them.
"""

import json
import logging
import socket
import time

import pytest

import keras_o2v_serving as serving
from keras_o2v_serving.access_log import EscapingAccessLogger
from keras_o2v_serving.log_fields import escape
from tests.harness import call

HOSTILE_REQUESTS = {
    "garbage request line": (b"GARBAGE\r\n\r\n", 400, "Invalid method encountered"),
    "over-long URL": (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414,
                      "URL is longer than 8192 bytes"),
    "over-long header": (b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431,
                         "longer than 8190 bytes"),
    "101 headers": (b"GET /ping HTTP/1.1\r\nHost: x\r\n"
                    + b"".join(b"X-H%d: v\r\n" % i for i in range(100)) + b"\r\n", 431,
                    "more than 100 header fields"),
    "Content-Length with Transfer-Encoding": (
        b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "Transfer-Encoding"),
    "non-ASCII bytes in the URL": (b"GET /p\xffi\xe9ng HTTP/1.1\r\nHost: x\r\n\r\n", 400,
                                   "Invalid char in url"),
    "NUL in a header value": (b"GET /ping HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400,
                              "Invalid header value char"),
    "TLS on the HTTP port": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400, "HTTPS"),
}


def exchange(url, data, timeout=5):
    """Sends raw bytes to the server at `url`; returns everything it answers until it closes."""
    host, port = url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def parse_response(raw):
    """`(status, {header: value}, body bytes)` of one raw HTTP response."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def server_records(caplog):
    return [r for r in caplog.records if r.name.startswith(("keras_o2v_serving", "aiohttp"))]


@pytest.mark.parametrize("name", HOSTILE_REQUESTS)
def test_hostile_http_gets_a_json_error_and_one_log_line(served_tiny_model, caplog, name):
    _, url = served_tiny_model
    data, expected_status, reason = HOSTILE_REQUESTS[name]
    caplog.set_level(logging.DEBUG)
    status, headers, body = parse_response(exchange(url, data))
    assert status == expected_status
    assert headers["Server"] == "o2v-serve"
    assert headers["Content-Type"].startswith("application/json")
    message = json.loads(body)["error"]
    assert reason in message and "\n" not in message
    records = server_records(caplog)
    assert len(records) == 1, [r.getMessage() for r in records]
    line = logging.Formatter().format(records[0])
    assert "Malformed HTTP request from 127.0.0.1" in line and f"-> {expected_status}" in line
    assert "\n" not in line and "\x00" not in line and "Traceback" not in line
    assert records[0].exc_info is None
    assert call(url + "/ping")[0] == 200


def test_a_hundred_headers_are_accepted(served_tiny_model):
    _, url = served_tiny_model
    request = (b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               + b"".join(b"X-H%d: v\r\n" % i for i in range(98)) + b"\r\n")
    assert parse_response(exchange(url, request))[0] == 200


# === Log escaping ===

def test_escape_shows_every_control_character():
    assert escape("a\nb\rc\td\x00e") == "a\\nb\\rc\\td\\x00e"
    assert escape("\x1b[31m\x7f\x85\u2028\u202e") == "\\x1b[31m\\x7f\\x85\\u2028\\u202e"
    assert escape("C:\\x0a") == "C:\\\\x0a"  # a typed escape cannot pass for one of ours
    assert escape("modèle") == "modèle"
    assert escape(b"\xffok") == "\\xffok"
    assert escape("x" * 10 + "\n", limit=4) == "xxxx..."


FORGED = "2026-01-01 00:00:00 keras_o2v_serving INFO FORGED"


@pytest.mark.parametrize("control", ["%0a", "%0d", "%00", "%0d%0a"])
def test_a_control_character_in_the_model_name_stays_on_one_escaped_line(
        served_tiny_model, caplog, control):
    _, url = served_tiny_model
    caplog.set_level(logging.INFO, logger="keras_o2v_serving")
    path = f"/v1/models/o2v{control}{FORGED.replace(' ', '%20')}:predict"
    status, _, text = call(url + path, "POST", {"instances": [{"in0": [1], "in1": [2]}]})
    assert status == 404 and FORGED in json.loads(text)["error"]
    (record,) = [r for r in caplog.records if r.name == "keras_o2v_serving"]
    line = logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)
    assert not any(char in line for char in "\n\r\x00")
    expected = {"%0a": "\\n", "%0d": "\\r", "%00": "\\x00", "%0d%0a": "\\r\\n"}[control]
    assert f"o2v{expected}{FORGED}" in line


def test_a_newline_in_signature_name_stays_on_one_escaped_line(served_tiny_model, caplog):
    _, url = served_tiny_model
    caplog.set_level(logging.INFO, logger="keras_o2v_serving")
    body = {"signature_name": f"nope\n{FORGED}:predict\x00", "instances": [{"in0": [1], "in1": [2]}]}
    status, _, text = call(url + "/v1/models/o2v:predict", "POST", body)
    assert status == 400 and FORGED in json.loads(text)["error"]
    (record,) = [r for r in caplog.records if r.name == "keras_o2v_serving"]
    line = logging.Formatter().format(record)
    assert "\n" not in line and "\x00" not in line
    assert f"nope\\n{FORGED}:predict\\x00" in line


def test_access_log_lines_are_escaped(caplog):
    from aiohttp.test_utils import make_mocked_request
    from aiohttp.web import Response

    request = make_mocked_request("GET", "/ping?q=%0aFORGED", headers={
        "User-Agent": "evil\x1b[2J\nFORGED", "Referer": "r\x00"})
    caplog.set_level(logging.INFO, logger="test.access")
    EscapingAccessLogger(logging.getLogger("test.access"), "").log(request, Response(text="ok"), 0.01)
    (record,) = caplog.records
    line = record.getMessage()
    assert "\n" not in line and "\x00" not in line and "\x1b" not in line
    assert '"evil\\x1b[2J\\nFORGED"' in line and '"r\\x00"' in line and "GET /ping?q=" in line


# === Idle timeouts ===

@pytest.fixture(scope="module")
def short_idle_server(tiny_bilstm_export):
    import os

    _, version_dir = tiny_bilstm_export
    config = serving.ServerConfig(model_base_path=os.path.dirname(version_dir), grpc_port=0,
                                  rest_idle_timeout_seconds=0.4, grpc_idle_timeout_seconds=0.4,
                                  header_timeout_seconds=5)
    with serving.BackgroundServer(config) as background:
        yield background


def test_rest_keep_alive_connection_is_closed_after_the_idle_timeout(short_idle_server):
    host, port = short_idle_server.url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        time.sleep(0.15)  # within the idle timeout the connection still serves
        sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        idle_since = time.monotonic()
        assert sock.recv(4096) == b""  # closed by the server
        assert 0.3 < time.monotonic() - idle_since < 2.0


def test_grpc_connection_is_closed_after_the_idle_timeout(short_idle_server):
    import grpc
    from tensorflow_serving.apis import get_model_status_pb2, model_service_pb2_grpc

    states = []
    with grpc.insecure_channel(short_idle_server.grpc_target) as channel:
        channel.subscribe(states.append)
        request = get_model_status_pb2.GetModelStatusRequest()
        request.model_spec.name = "o2v"
        model_service_pb2_grpc.ModelServiceStub(channel).GetModelStatus(request, timeout=10)
        ready_at = time.monotonic()
        while grpc.ChannelConnectivity.IDLE not in states[states.index(
                grpc.ChannelConnectivity.READY):] and time.monotonic() - ready_at < 5:
            time.sleep(0.05)
        idle_after = time.monotonic() - ready_at
    assert grpc.ChannelConnectivity.IDLE in states[states.index(grpc.ChannelConnectivity.READY):]
    assert 0.2 < idle_after < 3.0


def test_idle_timeouts_must_be_positive():
    with pytest.raises(ValueError, match="rest_idle_timeout_seconds"):
        serving.ServerConfig(model_base_path="x", rest_idle_timeout_seconds=0)
    with pytest.raises(ValueError, match="grpc_idle_timeout_seconds"):
        serving.ServerConfig(model_base_path="x", grpc_idle_timeout_seconds=-1)


def test_serve_flags_set_the_idle_timeouts():
    import argparse

    from keras_o2v.commands import serve

    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    help_text = parser.format_help()
    assert "--rest-idle-timeout-seconds" in help_text and "(default 30)" in help_text
    assert "--grpc-idle-timeout-seconds" in help_text and "(default 60)" in help_text
    args = parser.parse_args(["--model-base-path", "m", "--rest-idle-timeout-seconds", "75",
                              "--grpc-idle-timeout-seconds", "600"])
    config = serve.config_from_args(args, environ={})
    assert (config.rest_idle_timeout_seconds, config.grpc_idle_timeout_seconds) == (75, 600)
    assert serving.ServerConfig(model_base_path="m").rest_idle_timeout_seconds == 30

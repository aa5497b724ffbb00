"""Starting `o2v serve` from Python: in a child process, or in a thread of this one.

`ServeProcess` runs the real command (`python -m keras_o2v.cli serve ...`) on a free
local port and waits until `GET /ping` answers 200: what the demo, the notebooks,
the benchmarks and the process-boundary tests use. `BackgroundServer` runs the same
aiohttp application in a daemon thread of the calling process, for tests that need
the server and the model side by side.

Example:
>>> with ServeProcess(["--model-base-path", "models/o2v"]) as server:  # doctest: +SKIP
...     urllib.request.urlopen(server.url + "/ping").status
200
"""

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

LOCALHOST = "127.0.0.1"


def free_port(host=LOCALHOST):
    """A TCP port that was free on `host` a moment ago."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def ping(url, timeout=2.0):
    """The HTTP status of `GET url/ping`, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url + "/ping", timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


class ServeProcess:
    """`o2v serve ARGS --host 127.0.0.1 --port <free>` in a child process.

    Args:
        args: `o2v serve` arguments, e.g. `["--model-base-path", "models/o2v"]`.
        timeout: seconds to wait for `/ping` to answer 200.
        env: extra environment variables for the child.
        log_path: file that receives the server's output (default: a temporary
            file, shown in the error when the server does not come up).

    Attributes:
        url: `http://127.0.0.1:<port>` once started.
        process: the `subprocess.Popen`.
    """

    def __init__(self, args, timeout=120, env=None, log_path=None):
        self.args = list(args)
        self.timeout = timeout
        self.env = dict(os.environ, **(env or {}))
        self.log_path = log_path
        self.url = None
        self.process = None
        self._log = None

    def start(self):
        port = free_port()
        self.url = f"http://{LOCALHOST}:{port}"
        if self.log_path is None:
            self._log = tempfile.NamedTemporaryFile("w+", prefix="o2v-serve-", suffix=".log")
        else:
            self._log = open(self.log_path, "w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "keras_o2v.cli", "serve", *self.args, "--host", LOCALHOST,
             "--port", str(port)],
            stdout=self._log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + self.timeout
        while ping(self.url) != 200:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"o2v serve exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"o2v serve did not answer /ping within {self.timeout} s:\n"
                                   f"{self.log_tail()}")
            time.sleep(0.2)
        return self

    def log_tail(self, chars=3000):
        """The end of what the server has printed."""
        if self._log is None or self._log.closed:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read()[-chars:]

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def close(self):
        self.stop()
        if self._log is not None:
            self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()


class BackgroundServer:
    """An `o2v serve` app on a free local port, in a daemon thread of this process.

    Args:
        config: a `ServerConfig` (its host and port are ignored; a `grpc_port` of 0
            picks a free port for the gRPC API).

    Attributes:
        url: `http://127.0.0.1:<port>` once started.
        grpc_target: `127.0.0.1:<port>` of the gRPC API, when asked for.
        app: the aiohttp application (its `keys.SERVICE` is the `InferenceService`).
        event_loop: the loop it runs on, "uvloop" or "asyncio" (`config.event_loop`).

    Example:
    >>> with BackgroundServer(ServerConfig(model_base_path="models/o2v")) as server:
    ...     urllib.request.urlopen(server.url + "/ping")  # doctest: +SKIP
    """

    def __init__(self, config):
        self.config = config
        self.url = None
        self.grpc_target = None
        self.app = None
        self.event_loop = None  # "uvloop" or "asyncio" once started
        self._loop = None
        self._runner = None
        self._thread = None

    def start(self):
        from aiohttp import web

        from keras_o2v_serving.app import create_app, runner_options
        from keras_o2v_serving.event_loop import new_event_loop
        from keras_o2v_serving.http_protocol import ServingRunner

        if self.config.grpc_port == 0:
            self.config.grpc_port = free_port()
        self.config.host = LOCALHOST
        if self.config.grpc_port is not None:
            self.grpc_target = f"{LOCALHOST}:{self.config.grpc_port}"
        app = self.app = create_app(self.config)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOCALHOST, 0))
        self.url = f"http://{LOCALHOST}:{sock.getsockname()[1]}"
        ready = threading.Event()
        self._loop, self.event_loop = new_event_loop(self.config.event_loop)

        async def serve():
            self._runner = ServingRunner(app, access_log=None, **runner_options(self.config))
            await self._runner.setup()
            await web.SockSite(self._runner, sock).start()
            ready.set()

        def run():
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="o2v-serve", daemon=True)
        self._thread.start()
        if not ready.wait(60):
            raise RuntimeError("o2v serve did not start within 60 s")
        return self

    def stop(self):
        if self._loop is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
        future.result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

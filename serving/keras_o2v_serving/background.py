"""Runs `o2v serve` in a background thread (tests, benchmarks, notebooks)."""

import asyncio
import socket
import threading

from aiohttp import web

from keras_o2v_serving.app import create_app


class BackgroundServer:
    """An `o2v serve` app on a free local port, in a daemon thread.

    Args:
        config: a `ServerConfig` (its host and port are ignored).

    Example:
    >>> with BackgroundServer(ServerConfig(model_base_path="models/o2v")) as server:
    ...     requests.get(server.url + "/ping")  # doctest: +SKIP
    """

    def __init__(self, config):
        self.config = config
        self.url = None
        self._loop = None
        self._runner = None
        self._thread = None

    def start(self):
        app = create_app(self.config)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve():
            self._runner = web.AppRunner(app, access_log=None)
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

"""Runs the server in the foreground until interrupted."""

import asyncio
import contextlib
import logging

from aiohttp import web

from keras_o2v_serving.access_log import EscapingAccessLogger
from keras_o2v_serving.app import create_app, runner_options
from keras_o2v_serving.event_loop import new_event_loop
from keras_o2v_serving.http_protocol import ServingRunner
from keras_o2v_serving.keys import SERVICE


def run_server(config, access_log=False):
    """Serves `config` on `config.host:config.port` until Ctrl-C / SIGTERM.

    Args:
        config: a `ServerConfig`.
        access_log: log one line per request (costs latency under load).
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    log = logging.getLogger("keras_o2v_serving")
    loop, loop_name = new_event_loop(config.event_loop)
    asyncio.set_event_loop(loop)
    log.info("Event loop: %s", loop_name)
    app = create_app(config)

    async def start_decoders(app):  # warm now, so the first large body does not wait for them
        app[SERVICE].start()

    app.on_startup.append(start_decoders)
    runner = ServingRunner(app, handle_signals=True, access_log_class=EscapingAccessLogger,
                           access_log=logging.getLogger("aiohttp.access") if access_log else None,
                           **runner_options(config))
    main = loop.create_task(_serve(runner, config, log))
    try:
        loop.run_until_complete(main)
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    finally:
        if not main.done():
            main.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(main)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


async def _serve(runner, config, log):
    await runner.setup()
    try:
        await web.TCPSite(runner, config.host, config.port).start()
        log.info("Running on http://%s:%d (Press CTRL+C to quit)", config.host, config.port)
        while True:
            await asyncio.sleep(3600)
    finally:
        await runner.cleanup()

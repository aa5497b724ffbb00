"""Runs the server in the foreground until interrupted."""

import asyncio
import logging

from aiohttp import web

from keras_o2v_serving.app import create_app, runner_options
from keras_o2v_serving.event_loop import new_event_loop
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
    web.run_app(app, host=config.host, port=config.port,
                access_log=logging.getLogger("aiohttp.access") if access_log else None,
                print=lambda text: log.info(text.strip()), loop=loop, **runner_options(config))

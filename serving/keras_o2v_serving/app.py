"""The aiohttp application of `o2v serve`: routes, error bodies, version watching."""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v_serving import sagemaker_handlers, tfserving_handlers
from keras_o2v_serving.backends import ForwardingBackend, LocalBackend
from keras_o2v_serving.keys import BACKEND, CONFIG, EXECUTOR, REGISTRY
from keras_o2v_serving.registry import ModelRegistry
from keras_o2v_serving.responses import json_error

log = logging.getLogger("keras_o2v_serving")


def create_app(config):
    """Builds the application for a `ServerConfig`.

    The newest version is loaded before the app is returned (when one exists),
    and a background task loads newer versions every `poll_seconds`.

    Args:
        config: a `ServerConfig`.

    Returns:
        An `aiohttp.web.Application`.

    Example:
    >>> app = create_app(ServerConfig(model_base_path="models/o2v"))  # doctest: +SKIP
    >>> aiohttp.web.run_app(app, port=8080)  # doctest: +SKIP
    """
    executor = ThreadPoolExecutor(max_workers=config.threads, thread_name_prefix="o2v-tf")
    registry = None
    if config.model_base_path is not None:
        registry = ModelRegistry(config.model_base_path, config.model_name,
                                 warm_up_first=config.preferred_mode)
        registry.refresh()
    if config.tfserving_url:
        backend = ForwardingBackend(config.tfserving_url, config.model_name, config.max_batch_size)
    else:
        backend = LocalBackend(registry, executor, config.max_batch_size)

    app = web.Application(client_max_size=config.max_request_bytes,
                          middlewares=[_error_middleware(config.max_request_bytes)])
    app[CONFIG] = config
    app[EXECUTOR] = executor
    app[REGISTRY] = registry
    app[BACKEND] = backend
    app.router.add_get("/ping", sagemaker_handlers.ping)
    app.router.add_post("/invocations", sagemaker_handlers.invocations)
    tfserving_handlers.add_routes(app)
    app.cleanup_ctx.append(_lifecycle)
    return app


async def _lifecycle(app):
    backend, registry, config = app[BACKEND], app[REGISTRY], app[CONFIG]
    if hasattr(backend, "start"):
        await backend.start()
    watcher = None
    if registry is not None:
        watcher = asyncio.create_task(_watch(registry, app[EXECUTOR], config.poll_seconds))
    yield
    if watcher is not None:
        watcher.cancel()
    if hasattr(backend, "close"):
        await backend.close()
    app[EXECUTOR].shutdown(wait=False, cancel_futures=True)


async def _watch(registry, executor, poll_seconds):
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(poll_seconds)
        try:
            await loop.run_in_executor(executor, registry.refresh)
        except Exception:  # a broken version must not stop serving the current one
            log.exception("Could not load a new version from %s", registry.base_path)


def _error_middleware(max_request_bytes):
    @web.middleware
    async def errors(request, handler):
        try:
            return await handler(request)
        except InferenceError as error:
            return json_error(error.message, error.status)
        except web.HTTPRequestEntityTooLarge:
            return json_error(f"Request body is larger than the limit of {max_request_bytes} "
                              f"bytes (--max-request-bytes)", 413)
        except web.HTTPNotFound:
            return json_error(f"Malformed request: {request.method} {request.path}", 404)
        except web.HTTPMethodNotAllowed as error:
            return json_error(f"Method {request.method} not allowed on {request.path}; use "
                              f"{', '.join(sorted(error.allowed_methods))}", 405)
        except web.HTTPException:
            raise
        except Exception as error:  # noqa: BLE001 - answer, log, keep serving
            log.exception("Unexpected error on %s %s", request.method, request.path)
            return json_error(f"Internal error: {type(error).__name__}: {error}", 500)

    return errors

"""The aiohttp application of `o2v serve`: routes, error bodies, version watching, gRPC."""

import asyncio
import logging

from aiohttp import web

from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v_serving import sagemaker_handlers, tfserving_handlers
from keras_o2v_serving.backends import ForwardingBackend
from keras_o2v_serving.http_protocol import SERVER_HEADER, parser_limits
from keras_o2v_serving.keys import CONFIG, SERVICE
from keras_o2v_serving.log_fields import escape
from keras_o2v_serving.memory import freeze_long_lived, server_started, server_stopped
from keras_o2v_serving.responses import json_error
from keras_o2v_serving.service import InferenceService
from keras_o2v_serving.tensorflow_threads import configure_tensorflow_threads
from keras_o2v_serving.work import BusyError

log = logging.getLogger("keras_o2v_serving")


def create_app(config):
    """Builds the application for a `ServerConfig`.

    TensorFlow's thread pools are set first (`config.tensorflow_*_parallelism`),
    then the versions the policy asks for are loaded before the app is returned (when
    present), and a background task follows the base paths (and the model config
    file) every `poll_seconds`. After each load or unload the long-lived objects are
    collected once and frozen (`memory.freeze_long_lived`). With `config.grpc_port`,
    TF Serving's gRPC API is served too, from the same event loop and the same limits.

    Args:
        config: a `ServerConfig`.

    Returns:
        An `aiohttp.web.Application`.

    Example:
    >>> app = create_app(ServerConfig(model_base_path="models/o2v"))  # doctest: +SKIP
    >>> runner = ServingRunner(app, **runner_options(config))  # doctest: +SKIP
    """
    backend = None
    if config.model_base_path is not None or config.model_config_file is not None:
        intra, inter = configure_tensorflow_threads(config.tensorflow_intra_op_parallelism,
                                                    config.tensorflow_inter_op_parallelism)
        log.info("TensorFlow threads: intra-op %d, inter-op %d (0: TensorFlow's choice)",
                 intra, inter)
    if config.tfserving_url:
        backend = ForwardingBackend(config.tfserving_url, config.default_model_name,
                                    timeout_s=config.request_timeout_seconds)
    service = InferenceService(config, backend)
    service.refresh()
    freeze_long_lived()
    app = web.Application(client_max_size=config.max_request_bytes,
                          middlewares=[_error_middleware(config.max_request_bytes)])
    app[CONFIG] = config
    app[SERVICE] = service
    app.router.add_get("/ping", sagemaker_handlers.ping)
    app.router.add_post("/invocations", sagemaker_handlers.invocations)
    app.router.add_get("/execution-parameters", sagemaker_handlers.execution_parameters)
    tfserving_handlers.add_routes(app)
    app.on_response_prepare.append(_server_header)
    app.cleanup_ctx.append(_lifecycle)
    return app


def runner_options(config):
    """Keyword arguments for `http_protocol.ServingRunner`: connection timeouts, parser limits.

    A connection idle between requests is closed after `rest_idle_timeout_seconds`
    (aiohttp's `keepalive_timeout`), one whose request headers are not complete
    after `header_timeout_seconds` too; after an answer to an unfinished body the
    server reads on for at most `lingering_time`, then closes.
    """
    return {"keepalive_timeout": config.rest_idle_timeout_seconds,
            "header_timeout": config.header_timeout_seconds, "lingering_time": 1.0,
            **parser_limits()}


async def _server_header(request, response):
    response.headers["Server"] = SERVER_HEADER  # not the Python and aiohttp versions


async def _lifecycle(app):
    service, config = app[SERVICE], app[CONFIG]
    server_started()
    if service.backend is not None:
        await service.backend.start()
    watcher = asyncio.create_task(_watch(service, config.poll_seconds))
    grpc_server = None
    if config.grpc_port is not None:
        from keras_o2v_serving.grpc_service import start_grpc_server

        grpc_server = await start_grpc_server(service, config)
    yield
    watcher.cancel()
    if grpc_server is not None:
        await grpc_server.stop(grace=1)
    if service.backend is not None:
        await service.backend.close()
    service.close()
    server_stopped()


async def _watch(service, poll_seconds):
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(poll_seconds)
        try:
            if service.registries and await loop.run_in_executor(service.workers.threads,
                                                                 service.refresh):
                await loop.run_in_executor(service.workers.threads, freeze_long_lived)
            if service.backend is not None:
                await service.backend.poll_ready()
        except Exception as error:  # noqa: BLE001 - the watcher must outlive any one failure
            log.error("Checking for new versions failed: %s: %s", type(error).__name__, error)


def _error_middleware(max_request_bytes):
    @web.middleware
    async def errors(request, handler):
        try:
            return await handler(request)
        except InferenceError as error:
            headers = {"Retry-After": str(error.retry_after)} if isinstance(error, BusyError) else None
            return _rejected(request, error.message, error.status, headers)
        except web.HTTPRequestEntityTooLarge:
            return _rejected(request, f"Request body is larger than the limit of {max_request_bytes} "
                             f"bytes (--max-request-bytes)", 413)
        except web.HTTPNotFound:
            return _rejected(request, f"Malformed request: {request.method} {request.path}", 404)
        except web.HTTPMethodNotAllowed as error:
            return _rejected(request, f"Method {request.method} not allowed on {request.path}; use "
                             f"{', '.join(sorted(error.allowed_methods))}", 405)
        except web.HTTPException:
            raise
        except web.RequestPayloadError as error:  # e.g. a bad chunk, after the headers
            return _rejected(request, f"Malformed request body: {error}", 400)
        except RecursionError:
            return _rejected(request, "The request is nested too deeply to be read", 400)
        except (asyncio.CancelledError, ConnectionError):
            raise
        except Exception:  # noqa: BLE001 - a bug: answer without internals, log it once in full
            log.exception("Internal error on %s %s", escape(request.method, 100),
                          escape(request.path, 300))
            return json_error("Internal server error; the server log has the details", 500)

    return errors


def _rejected(request, message, status, headers=None):
    """The error response, and its one log line (request-controlled text escaped)."""
    log.info("%s %s -> %d: %s", escape(request.method, 100), escape(request.path, 300), status,
             escape(message, 300))
    return json_error(message, status, headers)

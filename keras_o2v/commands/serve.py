"""`o2v serve`: SageMaker Object2Vec invocations plus TF Serving's REST and gRPC APIs (serving/)."""

import dataclasses
import os
import sys

COMMAND = "serve"
HELP = ("Serve SavedModel versions over HTTP (SageMaker /ping and /invocations, TensorFlow "
        "Serving's /v1/models REST API) and optionally TF Serving's gRPC API.")


def add_arguments(parser):
    from keras_o2v_serving.config import ServerConfig

    default = {field.name: field.default for field in dataclasses.fields(ServerConfig)}
    models = parser.add_argument_group("models")
    models.add_argument("--model-base-path", default=None,
                        help="TF Serving model base path (BASE/<version>/); the newest version is "
                             "served and newer ones are picked up while running")
    models.add_argument("--model-config-file", default=None,
                        help="TF Serving model config file (text ModelServerConfig): several "
                             "models, model_version_policy (latest N, all, specific) and "
                             "version_labels; re-read when it changes")
    models.add_argument("--model-name", default=None,
                        help="name in /v1/models/<name> (default o2v); with --model-config-file, "
                             "the model /invocations serves (default: the first listed)")
    models.add_argument("--tfserving-url", default=None,
                        help="forward /invocations to this TensorFlow Serving REST root "
                             "(e.g. http://localhost:8501) instead of running the model here")
    models.add_argument("--poll-seconds", type=float, default=default["poll_seconds"],
                        help="how often base paths and the config file are checked "
                             f"(default {default['poll_seconds']:g})")
    network = parser.add_argument_group("network")
    network.add_argument("--host", default=default["host"],
                         help=f"address to listen on (default {default['host']}: this machine "
                              "only); 0.0.0.0 listens on every interface (containers, other "
                              "machines): put it behind a firewall or a proxy that authenticates, "
                              "o2v serve has no authentication of its own")
    network.add_argument("--port", type=int, default=default["port"],
                         help=f"REST port (default {default['port']})")
    network.add_argument("--grpc-port", type=int, default=None,
                         help="also serve TF Serving's gRPC API (PredictionService, ModelService) "
                              "on this port (TF Serving uses 8500)")
    limits = parser.add_argument_group("limits and timeouts")
    limits.add_argument("--max-request-bytes", type=int, default=default["max_request_bytes"],
                        help="larger request bodies get 413 "
                             f"(default {default['max_request_bytes']}, SageMaker's 6 MB)")
    limits.add_argument("--max-rows", type=int, default=default["max_rows"],
                        help=f"instances per request, both APIs; more get 413 "
                             f"(default {default['max_rows']})")
    limits.add_argument("--max-batch-size", type=int, default=default["max_batch_size"],
                        help=f"rows per signature call (default {default['max_batch_size']})")
    limits.add_argument("--threads", type=int, default=default["threads"],
                        help=f"threads for model calls and JSON (default {default['threads']})")
    limits.add_argument("--max-concurrent-requests", type=int, default=None,
                        help="requests doing work at once (default: --threads)")
    limits.add_argument("--max-queued-requests", type=int, default=default["max_queued_requests"],
                        help="requests waiting for a slot; beyond, 503 with Retry-After "
                             f"(default {default['max_queued_requests']})")
    limits.add_argument("--request-timeout-seconds", type=float,
                        default=default["request_timeout_seconds"],
                        help="per-request deadline; past it 504 "
                             f"(default {default['request_timeout_seconds']:g})")
    limits.add_argument("--header-timeout-seconds", type=float,
                        default=default["header_timeout_seconds"],
                        help="time a connection has to send its request line and headers, from "
                             "opening or from a later request's first byte "
                             f"(default {default['header_timeout_seconds']:g})")
    limits.add_argument("--rest-idle-timeout-seconds", type=float,
                        default=default["rest_idle_timeout_seconds"],
                        help="a REST keep-alive connection idle this long between requests is "
                             f"closed (default {default['rest_idle_timeout_seconds']:g}); behind a "
                             "load balancer, make it longer than the balancer's own idle timeout")
    limits.add_argument("--grpc-idle-timeout-seconds", type=float,
                        default=default["grpc_idle_timeout_seconds"],
                        help="a gRPC connection without calls this long is closed with GOAWAY; "
                             "clients reconnect on their next call "
                             f"(default {default['grpc_idle_timeout_seconds']:g})")
    limits.add_argument("--body-timeout-seconds", type=float,
                        default=default["body_timeout_seconds"],
                        help=f"time a request body has to arrive; else 408 "
                             f"(default {default['body_timeout_seconds']:g})")
    limits.add_argument("--tensorflow-intra-op-parallelism", type=int, metavar="N",
                        default=default["tensorflow_intra_op_parallelism"],
                        help="threads within one TensorFlow operation (0: TensorFlow's choice), "
                             "as TF Serving's --tensorflow_intra_op_parallelism")
    limits.add_argument("--tensorflow-inter-op-parallelism", type=int, metavar="N",
                        default=default["tensorflow_inter_op_parallelism"],
                        help="threads running independent TensorFlow operations (0: "
                             "TensorFlow's choice), as TF Serving's --tensorflow_inter_op_parallelism")
    limits.add_argument("--decode-processes", type=int, default=default["decode_processes"],
                        help="worker processes decoding bodies larger than 64 KiB, so that they "
                             f"never stall /ping (default {default['decode_processes']}; 0: "
                             "decode in threads)")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument("--loop", choices=("auto", "uvloop", "asyncio"), default=default["event_loop"],
                        help="event loop: uvloop when installed (auto, the default; faster), or "
                             "asyncio's own")


def config_from_args(args, environ=None):
    """The `ServerConfig` of parsed `o2v serve` arguments (raises ValueError / InferenceError)."""
    from keras_o2v.inference.protocol.sagemaker import preferred_mode
    from keras_o2v_serving.config import ServerConfig

    return ServerConfig(
        model_base_path=args.model_base_path, model_name=args.model_name,
        model_config_file=args.model_config_file, tfserving_url=args.tfserving_url,
        host=args.host, port=args.port, grpc_port=args.grpc_port,
        poll_seconds=args.poll_seconds, max_request_bytes=args.max_request_bytes,
        max_rows=args.max_rows, threads=args.threads, max_batch_size=args.max_batch_size,
        max_concurrent_requests=args.max_concurrent_requests,
        max_queued_requests=args.max_queued_requests,
        request_timeout_seconds=args.request_timeout_seconds,
        header_timeout_seconds=args.header_timeout_seconds,
        rest_idle_timeout_seconds=args.rest_idle_timeout_seconds,
        grpc_idle_timeout_seconds=args.grpc_idle_timeout_seconds,
        body_timeout_seconds=args.body_timeout_seconds, decode_processes=args.decode_processes,
        event_loop=args.loop,
        tensorflow_intra_op_parallelism=args.tensorflow_intra_op_parallelism,
        tensorflow_inter_op_parallelism=args.tensorflow_inter_op_parallelism,
        preferred_mode=preferred_mode(environ))


def run(args):
    from keras_o2v.inference.protocol.errors import InferenceError
    from keras_o2v_serving.model_config import ModelConfigError
    from keras_o2v_serving.run import run_server

    if args.model_base_path is None and args.tfserving_url is None and args.model_config_file is None:
        print("o2v serve: give --model-base-path, --model-config-file, --tfserving-url, or a "
              "base path and a URL", file=sys.stderr)
        return 2
    try:
        config = config_from_args(args)
    except (InferenceError, ValueError) as error:
        print(f"o2v serve: {error}", file=sys.stderr)
        return 2
    if args.model_base_path is not None and not os.path.isdir(args.model_base_path):
        print(f"o2v serve: warning: {args.model_base_path} does not exist yet; /ping answers "
              f"503 until a version appears", file=sys.stderr)
    try:
        run_server(config, access_log=args.access_log)
    except ModelConfigError as error:
        print(f"o2v serve: {error}", file=sys.stderr)
        return 2
    return 0

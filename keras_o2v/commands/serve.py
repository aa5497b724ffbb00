"""`o2v serve`: SageMaker Object2Vec invocations plus TF Serving's REST API (serving/)."""

import dataclasses
import os
import sys

COMMAND = "serve"
HELP = ("Serve the newest SavedModel version under --model-base-path over HTTP: SageMaker "
        "/ping and /invocations plus TensorFlow Serving's /v1/models REST API.")


def add_arguments(parser):
    from keras_o2v_serving.config import ServerConfig

    default = {field.name: field.default for field in dataclasses.fields(ServerConfig)}
    parser.add_argument("--model-base-path", default=default["model_base_path"],
                        help="TF Serving model base path (BASE/<version>/); newer versions "
                             "are picked up while running")
    parser.add_argument("--model-name", default=default["model_name"],
                        help=f"name in /v1/models/<name> (default {default['model_name']})")
    parser.add_argument("--host", default=default["host"],
                        help=f"address to listen on (default {default['host']})")
    parser.add_argument("--port", type=int, default=default["port"],
                        help=f"port to listen on (default {default['port']})")
    parser.add_argument("--tfserving-url", default=default["tfserving_url"],
                        help="forward /invocations to this TensorFlow Serving REST root "
                             "(e.g. http://localhost:8501) instead of running the model here")
    parser.add_argument("--poll-seconds", type=float, default=default["poll_seconds"],
                        help="how often BASE is checked for a new version")
    parser.add_argument("--max-request-bytes", type=int, default=default["max_request_bytes"],
                        help="larger request bodies get HTTP 413")
    parser.add_argument("--threads", type=int, default=default["threads"],
                        help="thread pool for TF calls")
    parser.add_argument("--max-batch-size", type=int, default=default["max_batch_size"],
                        help="rows per signature call")
    parser.add_argument("--access-log", action="store_true", help="log every request")


def run(args):
    from keras_o2v.inference.protocol.errors import InferenceError
    from keras_o2v.inference.protocol.sagemaker import preferred_mode
    from keras_o2v_serving.config import ServerConfig
    from keras_o2v_serving.run import run_server

    if args.model_base_path is None and args.tfserving_url is None:
        print("o2v serve: give --model-base-path, --tfserving-url, or both", file=sys.stderr)
        return 2
    try:
        mode = preferred_mode()
    except InferenceError as error:
        print(f"o2v serve: {error}", file=sys.stderr)
        return 2
    if args.model_base_path is not None and not os.path.isdir(args.model_base_path):
        print(f"o2v serve: warning: {args.model_base_path} does not exist yet; /ping answers "
              f"503 until a version appears", file=sys.stderr)
    config = ServerConfig(
        model_base_path=args.model_base_path, model_name=args.model_name,
        tfserving_url=args.tfserving_url, host=args.host, port=args.port,
        poll_seconds=args.poll_seconds, max_request_bytes=args.max_request_bytes,
        threads=args.threads, max_batch_size=args.max_batch_size, preferred_mode=mode)
    run_server(config, access_log=args.access_log)
    return 0

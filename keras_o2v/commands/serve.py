"""`o2v serve`: SageMaker Object2Vec invocations plus TF Serving's REST API (serving/)."""

import os
import pathlib
import sys

COMMAND = "serve"
HELP = ("Serve the newest SavedModel version under --model-base-path over HTTP: SageMaker "
        "/ping and /invocations plus TensorFlow Serving's /v1/models REST API.")


def add_arguments(parser):
    parser.add_argument("--model-base-path", default=None,
                        help="TF Serving model base path (BASE/<version>/); newer versions "
                             "are picked up while running")
    parser.add_argument("--model-name", default="o2v", help="name in /v1/models/<name>")
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--tfserving-url", default=None,
                        help="forward /invocations to this TensorFlow Serving REST root "
                             "(e.g. http://localhost:8501) instead of running the model here")
    parser.add_argument("--poll-seconds", type=float, default=1.0,
                        help="how often BASE is checked for a new version")
    parser.add_argument("--max-request-bytes", type=int, default=6 * 1024 * 1024,
                        help="larger request bodies get HTTP 413")
    parser.add_argument("--threads", type=int, default=4, help="thread pool for TF calls")
    parser.add_argument("--max-batch-size", type=int, default=1024,
                        help="rows per signature call")
    parser.add_argument("--access-log", action="store_true", help="log every request")


def import_serving_package():
    """Imports `keras_o2v_serving`, from the repository's serving/ in a source checkout."""
    try:
        import keras_o2v_serving
    except ImportError:
        serving = pathlib.Path(__file__).resolve().parents[2] / "serving"
        if not (serving / "keras_o2v_serving").is_dir():
            raise
        sys.path.insert(0, str(serving))
        import keras_o2v_serving
    return keras_o2v_serving


def run(args):
    from keras_o2v.inference.errors import InferenceError
    from keras_o2v.inference.sagemaker import preferred_mode

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
    serving = import_serving_package()
    config = serving.ServerConfig(
        model_base_path=args.model_base_path, model_name=args.model_name,
        tfserving_url=args.tfserving_url, host=args.host, port=args.port,
        poll_seconds=args.poll_seconds, max_request_bytes=args.max_request_bytes,
        threads=args.threads, max_batch_size=args.max_batch_size, preferred_mode=mode)
    serving.run_server(config, access_log=args.access_log)
    return 0

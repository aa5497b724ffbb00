"""Settings of one `o2v serve` process, with the defaults an operator gets."""

import dataclasses
from typing import Optional

from keras_o2v_serving.event_loop import EVENT_LOOPS

DEFAULT_MAX_REQUEST_BYTES = 6 * 1024 * 1024  # SageMaker's real-time payload limit
LOCALHOST = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"


@dataclasses.dataclass
class ServerConfig:
    """What to serve and how.

    Args:
        model_base_path: TF Serving-style base path; the newest version is served
            and newer ones are picked up while running.
        model_name: the name in `/v1/models/<name>` (and the forwarded model name);
            with a model config file, the model `/invocations` serves (default:
            the first one listed).
        model_config_file: a TF Serving model config file (text `ModelServerConfig`):
            several models, version policies and labels; re-read when it changes.
        tfserving_url: when set, `/invocations` forwards to this TF Serving REST root.
        host: the address to listen on. `127.0.0.1` (default) accepts only local
            clients; `0.0.0.0` every interface (containers, other machines).
        port: REST port (SageMaker's 8080 by default).
        grpc_port: when set, TF Serving's gRPC API on this port (TF Serving uses 8500).
        poll_seconds: how often base paths (and the config file) are checked.
        max_request_bytes: larger bodies get 413 (gRPC: RESOURCE_EXHAUSTED).
        max_rows: instances (or rows) per request; more get 413.
        threads: thread pool size for model calls and JSON.
        max_batch_size: rows per signature call (larger requests are split).
        max_concurrent_requests: requests doing work at once (default `threads`).
        max_queued_requests: requests waiting for a slot; beyond, 503 + Retry-After.
        request_timeout_seconds: per-request deadline (504 past it).
        header_timeout_seconds: a connection must send a complete request line and
            headers within this of opening (or of a later request's first byte).
        rest_idle_timeout_seconds: a REST keep-alive connection idle this long
            between requests is closed.
        grpc_idle_timeout_seconds: a gRPC connection without calls for this long
            is closed (GOAWAY; gRPC clients reconnect on their next call).
        body_timeout_seconds: a request body must arrive within this (else 408).
        decode_processes: worker processes that decode large bodies (0: threads only).
        inline_decode_bytes: bodies up to this size are decoded in a thread.
        preferred_mode: `classification` or `embedding` (`INFERENCE_PREFERRED_MODE`).
        load_retry_seconds: first wait before retrying a version that failed to
            load; doubled per failure up to `max_load_retry_seconds`.
        event_loop: `auto` (uvloop when installed, else asyncio's loop), `uvloop`
            or `asyncio`; see `keras_o2v_serving.event_loop`.
        tensorflow_intra_op_parallelism: threads within one TensorFlow operation
            (0: leave the pool as it is, TensorFlow's choice in a fresh process);
            see `keras_o2v_serving.tensorflow_threads`.
        tensorflow_inter_op_parallelism: threads running independent operations
            (0: likewise).
    """

    model_base_path: Optional[str] = None
    model_name: Optional[str] = None
    model_config_file: Optional[str] = None
    tfserving_url: Optional[str] = None
    host: str = LOCALHOST
    port: int = 8080
    grpc_port: Optional[int] = None
    poll_seconds: float = 1.0
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    max_rows: int = 10_000
    threads: int = 4
    max_batch_size: int = 1024
    max_concurrent_requests: Optional[int] = None
    max_queued_requests: int = 64
    request_timeout_seconds: float = 30.0
    header_timeout_seconds: float = 30.0
    rest_idle_timeout_seconds: float = 30.0
    grpc_idle_timeout_seconds: float = 60.0
    body_timeout_seconds: float = 30.0
    decode_processes: int = 1
    inline_decode_bytes: int = 64 * 1024
    preferred_mode: Optional[str] = None
    load_retry_seconds: float = 1.0
    max_load_retry_seconds: float = 300.0
    event_loop: str = "auto"
    tensorflow_intra_op_parallelism: int = 0
    tensorflow_inter_op_parallelism: int = 0

    def __post_init__(self):
        if self.model_base_path is None and self.tfserving_url is None and \
                self.model_config_file is None:
            raise ValueError("Give a model base path, a model config file, a TF Serving URL, "
                             "or a base path and a URL")
        if self.model_base_path is not None and self.model_config_file is not None:
            raise ValueError("Give a model base path or a model config file, not both")
        for name in ("max_rows", "threads", "max_batch_size", "max_request_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("header_timeout_seconds", "rest_idle_timeout_seconds",
                     "grpc_idle_timeout_seconds", "body_timeout_seconds", "request_timeout_seconds"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be more than 0 seconds, got {getattr(self, name)}")
        for name in ("tensorflow_intra_op_parallelism", "tensorflow_inter_op_parallelism"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 (TensorFlow's choice) or more, "
                                 f"got {getattr(self, name)}")
        if self.event_loop not in EVENT_LOOPS:
            raise ValueError(f"event_loop must be one of {', '.join(EVENT_LOOPS)}, "
                             f"got {self.event_loop!r}")
        if self.max_concurrent_requests is None:
            self.max_concurrent_requests = self.threads

    @property
    def default_model_name(self):
        return self.model_name or "o2v"

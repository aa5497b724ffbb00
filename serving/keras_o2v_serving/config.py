"""Settings of one `o2v serve` process."""

import dataclasses
from typing import Optional

DEFAULT_MAX_REQUEST_BYTES = 6 * 1024 * 1024  # SageMaker's real-time payload limit


@dataclasses.dataclass
class ServerConfig:
    """What to serve and how.

    Args:
        model_base_path: TF Serving-style base path; the newest version is served
            and newer ones are picked up while running. Optional with `tfserving_url`.
        model_name: the name in `/v1/models/<name>` (and the forwarded model name).
        tfserving_url: when set, `/invocations` forwards to this TF Serving REST root.
        host, port: where to listen.
        poll_seconds: how often the base path is checked for a new version.
        max_request_bytes: larger bodies get 413.
        threads: thread pool size for TF calls and request parsing.
        max_batch_size: rows per signature call.
        preferred_mode: `classification` or `embedding` (`INFERENCE_PREFERRED_MODE`).
    """

    model_base_path: Optional[str] = None
    model_name: str = "o2v"
    tfserving_url: Optional[str] = None
    host: str = "0.0.0.0"
    port: int = 8080
    poll_seconds: float = 1.0
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    threads: int = 4
    max_batch_size: int = 1024
    preferred_mode: Optional[str] = None

    def __post_init__(self):
        if self.model_base_path is None and self.tfserving_url is None:
            raise ValueError("Give a model base path, a TF Serving URL, or both")

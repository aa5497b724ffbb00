"""The loaded versions of one model, kept in step with its base path and version policy.

As TensorFlow Serving does: the versions the policy asks for are loaded, a version
no longer asked for is unloaded once something newer is available (never leaving
the model with nothing to serve), a version folder that changes (an
`o2v export --overwrite`) is loaded again, and a version that fails to load is
reported in the status (`state: END`, `status.error_code`, `status.error_message`),
logged once per failed attempt and retried with exponential backoff.
"""

import dataclasses
import logging
import os
import threading
import time
from typing import Optional

from keras_o2v.export.versions import list_versions
from keras_o2v.inference.protocol.errors import InferenceError

log = logging.getLogger("keras_o2v_serving")


@dataclasses.dataclass
class VersionState:
    """One version as the status endpoint reports it."""

    version: int
    state: str = "START"
    error_code: str = "OK"
    error_message: str = ""
    runner: object = None
    fingerprint: tuple = ()
    failures: int = 0
    retry_at: float = 0.0

    def as_status(self):
        return {"version": str(self.version), "state": self.state,
                "status": {"error_code": self.error_code, "error_message": self.error_message}}


def fingerprint(path):
    """What changes when a version folder is replaced (inode, saved_model.pb time and size)."""
    try:
        folder = os.stat(path)
        graph = os.stat(os.path.join(path, "saved_model.pb"))
    except OSError:
        return ()
    return folder.st_ino, graph.st_mtime_ns, graph.st_size


class ModelRegistry:
    """Loaded versions of one model (`ModelSource`), refreshed from its base path.

    Args:
        source: the model's name, base path, version policy and labels.
        warm_up_first: `classification` or `embedding`: which signatures a newly
            loaded version runs first (`INFERENCE_PREFERRED_MODE`).
        retry_seconds: first wait before retrying a failed version; doubles per
            failure up to `max_retry_seconds`.
        loader: `path -> runner` (default `SavedModelRunner`).

    Example:
    >>> registry = ModelRegistry(ModelSource("o2v", "models/o2v"))  # doctest: +SKIP
    >>> registry.refresh(); registry.latest().version  # doctest: +SKIP
    3
    """

    def __init__(self, source, warm_up_first="classification", retry_seconds=1.0,
                 max_retry_seconds=300.0, loader=None, clock=time.monotonic):
        self.source = source
        self.warm_up_first = warm_up_first or "classification"
        self.retry_seconds = retry_seconds
        self.max_retry_seconds = max_retry_seconds
        self._loader = loader or _load_runner
        self._clock = clock
        self._versions = {}
        self._lock = threading.Lock()

    @property
    def name(self):
        return self.source.name

    @property
    def base_path(self):
        return self.source.base_path

    @property
    def runner(self):
        """The newest available runner, or None."""
        available = self._available()
        return available[-1].runner if available else None

    def _available(self):
        return sorted((s for s in list(self._versions.values()) if s.state == "AVAILABLE"),
                      key=lambda s: s.version)

    def refresh(self):
        """Loads what the policy asks for, unloads what it no longer does; True if anything changed."""
        with self._lock:
            on_disk = list_versions(self.base_path)
            wanted = self.source.policy.select(on_disk)
            changed = False
            for version in sorted(wanted, reverse=True):
                changed |= self._ensure_loaded(version)
            if any(self._versions.get(v) and self._versions[v].state == "AVAILABLE" for v in wanted):
                for version in list(self._versions):
                    if version not in wanted:
                        state = self._versions.pop(version)
                        if state.state == "AVAILABLE":
                            log.info("Unloaded %s version %s", self.name, version)
                            changed = True
            for version in list(self._versions):
                if version not in on_disk and self._versions[version].state != "AVAILABLE":
                    del self._versions[version]
            return changed

    def _ensure_loaded(self, version):
        path = os.path.join(self.base_path, str(version))
        current = fingerprint(path)
        state = self._versions.get(version)
        if state is not None and state.fingerprint == current:
            if state.state == "AVAILABLE" or self._clock() < state.retry_at:
                return False
        failures = state.failures if state is not None and state.fingerprint == current else 0
        loading = VersionState(version, "LOADING", fingerprint=current, failures=failures)
        if state is None or state.state != "AVAILABLE":
            self._versions[version] = loading
        try:
            runner = self._loader(path, self.warm_up_first)
        except Exception as error:  # noqa: BLE001 - any failure is reported, not raised
            failures += 1
            wait = min(self.retry_seconds * 2 ** (failures - 1), self.max_retry_seconds)
            code, message = _describe_failure(error)
            if state is not None and state.state == "AVAILABLE":
                # A replaced folder that fails: keep serving the copy already loaded.
                state.failures, state.retry_at, state.fingerprint = failures, self._clock() + wait, current
                state.error_message = f"reload failed: {message}"
            else:
                self._versions[version] = VersionState(
                    version, "END", code, message, fingerprint=current, failures=failures,
                    retry_at=self._clock() + wait)
            log.warning("%s version %s failed to load (attempt %d, next try in %.0f s): %s: %s",
                        self.name, version, failures, wait, code, message)
            return False
        self._versions[version] = VersionState(version, "AVAILABLE", runner=runner,
                                               fingerprint=current)
        log.info("Serving %s version %s from %s", self.name, version, path)
        return True

    def status(self, version=None):
        """`model_version_status` entries, newest first (one version when given).

        Raises:
            InferenceError: 404 when the model (or that version) has no status.
        """
        states = sorted(list(self._versions.values()), key=lambda s: -s.version)
        if version is not None:
            states = [s for s in states if s.version == int(version)]
            if not states:
                raise InferenceError(f"Servable not found for request: "
                                     f"Specific({self.name}, {version})", status=404)
        elif not states:
            raise InferenceError(self.nothing_loaded_message(), status=503)
        return [s.as_status() for s in states]

    def nothing_loaded_message(self):
        failed = [s for s in self._versions.values() if s.state == "END"]
        text = f"Model {self.name} has no version loaded yet"
        if failed:
            newest = max(failed, key=lambda s: s.version)
            text += (f"; version {newest.version} failed to load ({newest.error_code}: "
                     f"{newest.error_message}) and is retried")
        elif not list_versions(self.base_path):
            text += f"; {self.base_path} holds no version folder (BASE/<integer>/saved_model.pb)"
        return text

    def latest(self):
        """The newest available runner.

        Raises:
            InferenceError: 503 while no version is loaded.
        """
        runner = self.runner
        if runner is None:
            raise InferenceError(self.nothing_loaded_message(), status=503)
        return runner

    def get(self, version=None, label=None):
        """The runner for a version or label (default: the newest), as TF Serving resolves it.

        Raises:
            InferenceError: 404 (unknown version or label), 503 (nothing loaded).
        """
        if label is not None:
            if label not in self.source.labels:
                raise InferenceError(f"Unrecognized servable version label: {label}", status=404)
            version = self.source.labels[label]
        if version is None:
            return self.latest()
        state = self._versions.get(int(version))
        if state is None or state.state != "AVAILABLE":
            raise InferenceError(f"Servable not found for request: Specific({self.name}, {version})",
                                 status=404)
        return state.runner

    def resolve_version(self, version=None, label=None) -> Optional[int]:
        """The version a label names (or `version` itself)."""
        if label is not None:
            if label not in self.source.labels:
                raise InferenceError(f"Unrecognized servable version label: {label}", status=404)
            return self.source.labels[label]
        return version


def _load_runner(path, warm_up_first):
    from keras_o2v.inference.runtime.saved_model_runner import SavedModelRunner

    runner = SavedModelRunner(path)
    runner.warm_up(warm_up_first)
    return runner


def _describe_failure(error):
    """`(TF Serving error code name, one-line message)` of a load failure."""
    import tensorflow as tf

    if isinstance(error, tf.errors.OpError):
        from tensorflow.core.protobuf import error_codes_pb2

        code = error_codes_pb2.Code.Name(error.error_code)
        message = error.message
    elif isinstance(error, FileNotFoundError):
        code, message = "NOT_FOUND", str(error)
    else:
        code, message = "UNKNOWN", f"{type(error).__name__}: {error}"
    lines = [line.strip() for line in str(message).strip().splitlines() if line.strip()]
    return code, (lines[0] if lines else type(error).__name__)[:500]

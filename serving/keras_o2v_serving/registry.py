"""The newest SavedModel version under a base path, reloaded when a newer one appears."""

import logging
import threading

from keras_o2v.export.versions import latest_version
from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v.inference.runtime.saved_model_runner import SavedModelRunner

log = logging.getLogger("keras_o2v_serving")


class ModelRegistry:
    """Holds the loaded newest version of one model, as TF Serving's default policy does.

    `refresh()` loads a newer version when one has been dropped into the base
    path (exports are renamed into place, so a version folder is complete when
    it appears); requests that already hold the old runner finish on it.

    Args:
        base_path: the model base path (`BASE/<version>/saved_model.pb`).
        name: the model name in TF Serving URLs (`/v1/models/<name>`).
        warm_up_first: `classification` or `embedding`: which signatures a
            newly loaded version runs first (`INFERENCE_PREFERRED_MODE`).

    Example:
    >>> registry = ModelRegistry("models/o2v", "o2v")  # doctest: +SKIP
    >>> registry.refresh(); registry.get().version  # doctest: +SKIP
    3
    """

    def __init__(self, base_path, name, warm_up_first="classification"):
        self.base_path = base_path
        self.name = name
        self.warm_up_first = warm_up_first or "classification"
        self._runner = None
        self._lock = threading.Lock()

    @property
    def runner(self):
        """The loaded runner, or None before the first version is loaded."""
        return self._runner

    def refresh(self):
        """Loads the newest version if it is newer than the loaded one; returns True if so."""
        with self._lock:
            newest = latest_version(self.base_path)
            current = self._runner.version if self._runner is not None else None
            if newest is None or newest == current:
                return False
            runner = SavedModelRunner(f"{self.base_path}/{newest}")
            runner.warm_up(self.warm_up_first)
            self._runner = runner
            log.info("Serving %s version %s from %s", self.name, newest, self.base_path)
            return True

    def get(self, name=None, version=None):
        """The runner for `name` (and `version`, default latest), as TF Serving resolves it.

        Raises:
            InferenceError: 404 with TF Serving's message when there is no such servable.
        """
        runner = self._runner
        if name is not None and name != self.name or runner is None:
            request = f"Latest({name})" if version is None else f"Specific({name}, {version})"
            raise InferenceError(f"Servable not found for request: {request}", status=404)
        if version is not None and int(version) != runner.version:
            raise InferenceError(f"Servable not found for request: Specific({name}, {version})",
                                 status=404)
        return runner

"""What both front ends (REST and gRPC) ask of `o2v serve`: models, limits, and the work itself."""

import logging

from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v_serving import decoding
from keras_o2v_serving.large_answers import invocations_parts, predict_parts
from keras_o2v_serving.model_config import ModelConfigError, ModelSource, config_mtime, read_model_config
from keras_o2v_serving.registry import ModelRegistry
from keras_o2v_serving.work import Deadline, Workers, WorkLimiter

log = logging.getLogger("keras_o2v_serving")


class InferenceService:
    """Registries of the served models, the work limits, and request execution.

    Args:
        config: a `ServerConfig`.
        backend: a `ForwardingBackend` when `/invocations` goes to TF Serving, else None.
    """

    def __init__(self, config, backend=None):
        self.config = config
        self.backend = backend
        self.workers = Workers(config.threads, config.decode_processes, config.inline_decode_bytes)
        self.limiter = WorkLimiter(config.max_concurrent_requests, config.max_queued_requests)
        self.registries = {}
        self._config_mtime = None
        if config.model_config_file is not None:
            self._apply_sources(read_model_config(config.model_config_file))
            self._config_mtime = config_mtime(config.model_config_file)
        elif config.model_base_path is not None:
            self._apply_sources([ModelSource(config.default_model_name, config.model_base_path)])

    # === Models ===
    def _apply_sources(self, sources):
        registries = {}
        for source in sources:
            registry = self.registries.get(source.name)
            if registry is None or registry.base_path != source.base_path:
                registry = ModelRegistry(source, self.config.preferred_mode,
                                         self.config.load_retry_seconds,
                                         self.config.max_load_retry_seconds)
            registry.source = source
            registries[source.name] = registry
        self.registries = registries

    def refresh(self):
        """Re-reads a changed model config file, then loads / unloads versions (in a thread).

        Returns:
            True when a version was loaded or unloaded.
        """
        path = self.config.model_config_file
        if path is not None:
            mtime = config_mtime(path)
            if mtime != self._config_mtime:
                self._config_mtime = mtime
                try:
                    self._apply_sources(read_model_config(path))
                    log.info("Reloaded the model config %s", path)
                except ModelConfigError as error:
                    log.warning("Keeping the previous model config: %s", error)
        changed = False
        for registry in list(self.registries.values()):
            changed |= bool(registry.refresh())
        return changed

    @property
    def default_name(self):
        if self.config.model_name is not None or not self.registries:
            return self.config.default_model_name
        return next(iter(self.registries))

    def registry(self, name):
        """The registry of model `name`.

        Raises:
            InferenceError: 404 (TF Serving's wording) for a model not served here.
        """
        registry = self.registries.get(name)
        if registry is None:
            if not self.registries and self.backend is not None:
                raise InferenceError("This o2v serve forwards /invocations to TensorFlow Serving "
                                     "and has no local model; send TF Serving API calls to TF "
                                     "Serving", status=503)
            raise InferenceError(f"Servable not found for request: Latest({name})", status=404)
        return registry

    async def ready(self):
        """Whether `/invocations` can be answered now (no I/O: `/ping` must be fast)."""
        if self.backend is not None:
            return self.backend.ready
        registry = self.registries.get(self.default_name)
        return registry is not None and registry.runner is not None

    # === Work ===
    async def invocations(self, body, content_type, accept, deadline):
        """SageMaker `/invocations`: the response body, as parts (`large_answers`)."""
        config = self.config
        if self.backend is not None:
            count, batches = await self.workers.decode(
                deadline, len(body), decoding.decode_invocations, body, content_type, None,
                config.max_rows, config.max_batch_size)
            outputs = await self.backend.predict_batches(batches)
            return await self.workers.in_thread(deadline, invocations_parts, count, batches, outputs,
                                                accept, deadline)
        runner = self.registry(self.default_name).latest()
        hyperparameters = runner.hyperparameters
        if not self.workers.decode_elsewhere(len(body)):
            return await self.workers.in_thread(deadline, _invocations_inline, runner, body,
                                                content_type, accept, config, deadline)
        count, batches = await self.workers.decode(
            deadline, len(body), decoding.decode_invocations, body, content_type, hyperparameters,
            config.max_rows, config.max_batch_size)
        return await self.workers.in_thread(deadline, _run_and_answer, runner, count, batches, accept,
                                            deadline)

    async def predict_json(self, name, version, label, body, deadline):
        """TF Serving REST `:predict`: the response body, as parts (`large_answers`)."""
        runner = self.registry(name).get(version, label)
        if not self.workers.decode_elsewhere(len(body)):
            return await self.workers.in_thread(deadline, _predict_inline, runner, body,
                                                self.config.max_rows, deadline)
        parsed = await self.workers.decode(deadline, len(body), decoding.decode_predict, body,
                                           runner.specs_by_signature, self.config.max_rows)
        return await self.workers.in_thread(deadline, _run_predict, runner, parsed, deadline)

    async def predict_arrays(self, name, version, label, signature_name, inputs, deadline):
        """gRPC Predict: `(version, {output name: numpy array})`."""
        runner = self.registry(name).get(version, label)
        rows = max((len(v) if getattr(v, "ndim", 0) else 1 for v in inputs.values()), default=0)
        if rows > self.config.max_rows:
            raise InferenceError(f"The request holds {rows} rows; the limit is {self.config.max_rows} "
                                 f"per request (--max-rows). Split it into smaller requests.",
                                 status=413)
        specs = runner.input_specs(signature_name)
        for input_name, value in inputs.items():
            spec = specs.get(input_name)
            if spec is not None and spec.dtype != "DT_" + _tf_dtype_name(value):
                raise InferenceError(f"Expects arg[{input_name}] to be {spec.dtype[3:].lower()} but "
                                     f"{_tf_dtype_name(value).lower()} is provided")
        outputs = await self.workers.in_thread(deadline, runner.run, signature_name, inputs)
        return runner.version, outputs

    def deadline(self):
        return Deadline(self.config.request_timeout_seconds)

    def start(self):
        self.workers.start()

    def close(self):
        self.workers.close()


def _tf_dtype_name(array):
    return {"int64": "INT64", "int32": "INT32", "float32": "FLOAT", "float64": "DOUBLE",
            "bool": "BOOL"}.get(str(array.dtype), str(array.dtype).upper())


def _invocations_inline(runner, body, content_type, accept, config, deadline):
    count, batches = decoding.decode_invocations(body, content_type, runner.hyperparameters,
                                                 config.max_rows, config.max_batch_size)
    return _run_and_answer(runner, count, batches, accept, deadline)


def _run_and_answer(runner, count, batches, accept, deadline):
    return invocations_parts(count, batches, runner.run_batches(batches), accept, deadline)


def _predict_inline(runner, body, max_rows, deadline):
    return _run_predict(runner, decoding.decode_predict(body, runner.specs_by_signature, max_rows),
                        deadline)


def _run_predict(runner, parsed, deadline):
    outputs = runner.run(parsed.signature_name, parsed.inputs)
    return predict_parts(outputs, parsed.columnar, deadline)


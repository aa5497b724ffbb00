"""Where `/invocations` runs the model: in-process, or on a real TensorFlow Serving."""

import asyncio
import json

import aiohttp

from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v.inference.protocol.tfserving_client import from_tfserving_responses, to_tfserving_requests


class LocalBackend:
    """Runs the signatures of the registry's model in a thread pool.

    Args:
        registry: a `ModelRegistry`.
        executor: a `concurrent.futures.Executor` for the TF calls.
        max_batch_size: cap on rows per signature call.
    """

    def __init__(self, registry, executor, max_batch_size=1024):
        self.registry = registry
        self.executor = executor
        self.max_batch_size = max_batch_size

    @property
    def hyperparameters(self):
        """The loaded model's hyperparameters (for id checks and truncation), or None."""
        runner = self.registry.runner
        return runner.hyperparameters if runner is not None else None

    async def ready(self):
        return self.registry.runner is not None

    async def predict(self, instances):
        runner = self.registry.get()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, runner.predict_instances, instances,
                                          self.max_batch_size)


class ForwardingBackend:
    """Sends each mode's padded rows to TF Serving's REST `:predict` and reassembles.

    Args:
        url: TF Serving's REST root, e.g. `http://localhost:8501`.
        model_name: the model name TF Serving serves.
        max_batch_size: cap on rows per forwarded request.
        timeout_s: per-request timeout.
    """

    hyperparameters = None  # ids are checked by the graph on the TF Serving side

    def __init__(self, url, model_name, max_batch_size=1024, timeout_s=60):
        self.url = url.rstrip("/")
        self.model_name = model_name
        self.max_batch_size = max_batch_size
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session = None

    async def start(self):
        self._session = aiohttp.ClientSession(timeout=self.timeout)

    async def close(self):
        if self._session is not None:
            await self._session.close()

    async def ready(self):
        try:
            async with self._session.get(f"{self.url}/v1/models/{self.model_name}") as response:
                return response.status == 200
        except aiohttp.ClientError:
            return False

    async def predict(self, instances):
        requests = to_tfserving_requests(instances, self.max_batch_size)
        responses = await asyncio.gather(*(self._post(body) for _, body, _ in requests))
        return from_tfserving_responses(len(instances), requests, responses)

    async def _post(self, body):
        url = f"{self.url}/v1/models/{self.model_name}:predict"
        try:
            async with self._session.post(url, data=json.dumps(body),
                                          headers={"Content-Type": "application/json"}) as response:
                text = await response.text()
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise InferenceError(f"TensorFlow Serving at {self.url} unreachable: {error!r}",
                                 status=502) from None
        try:
            payload = json.loads(text)
        except json.JSONDecodeError:
            payload = {"error": text[:500]}
        if status != 200:
            message = payload.get("error", text[:500]) if isinstance(payload, dict) else text[:500]
            raise InferenceError(f"TensorFlow Serving: {message}",
                                 status=status if 400 <= status < 600 else 502)
        return payload

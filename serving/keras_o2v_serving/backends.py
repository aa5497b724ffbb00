"""`/invocations` on a real TensorFlow Serving: padded rows forwarded to its REST `:predict`."""

import asyncio
import json

import aiohttp

from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v.inference.protocol.tfserving_client import from_tfserving_responses, requests_for_batches


class ForwardingBackend:
    """Sends each mode's padded rows to TF Serving's REST `:predict` and reassembles.

    Args:
        url: TF Serving's REST root, e.g. `http://localhost:8501`.
        model_name: the model name TF Serving serves.
        timeout_s: per-request timeout.

    Attributes:
        ready: whether TF Serving reported the model available at the last check
            (`poll_ready` keeps it fresh, so `/ping` answers without a round trip).
    """

    def __init__(self, url, model_name, timeout_s=60):
        self.url = url.rstrip("/")
        self.model_name = model_name
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.ready = False
        self._session = None

    async def start(self):
        self._session = aiohttp.ClientSession(timeout=self.timeout)
        await self.poll_ready()

    async def close(self):
        if self._session is not None:
            await self._session.close()

    async def poll_ready(self):
        try:
            async with self._session.get(f"{self.url}/v1/models/{self.model_name}",
                                         timeout=aiohttp.ClientTimeout(total=2)) as response:
                self.ready = response.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            self.ready = False
        return self.ready

    async def predict_batches(self, batches):
        """Per batch, `{output name: rows}` from TF Serving."""
        requests = requests_for_batches(batches)
        responses = await asyncio.gather(*(self._post(body) for _, body, _ in requests))
        count = max((p for batch in batches for p in batch.positions), default=-1) + 1
        results = from_tfserving_responses(count, requests, responses)
        return [{key: [results[p][key] for p in batch.positions] for key in batch.output_keys}
                for batch in batches]

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

"""Bounded work per request: a concurrency limit with a queue, a deadline, and where work runs.

- `WorkLimiter`: at most `max_active` requests do work at once and `max_queued`
  wait; beyond that a request is refused at once with 503 and `Retry-After`
  (gRPC: UNAVAILABLE). A slot is held until the work really ends, also when the
  client was already answered with a deadline error, so the limit bounds the
  work the machine does, not only the requests it answers.
- `Deadline`: every request has `request_timeout_seconds`; past it the client
  gets 504 (gRPC: DEADLINE_EXCEEDED) and no further stage of that request starts.
- `Workers`: model calls and JSON encoding in a thread pool (TensorFlow releases
  the interpreter lock), decoding of large bodies in a process pool.
"""

import asyncio
import concurrent.futures
import logging
import multiprocessing
import time

from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v_serving import decoding

log = logging.getLogger("keras_o2v_serving")


class BusyError(InferenceError):
    """503: the queue is full; `retry_after` seconds is a fair wait."""

    def __init__(self, message, retry_after=1):
        super().__init__(message, status=503)
        self.retry_after = retry_after

    def __reduce__(self):
        return type(self), (self.message, self.retry_after)


class DeadlineError(InferenceError):
    """504: the request ran past its deadline."""

    def __init__(self, message):
        super().__init__(message, status=504)

    def __reduce__(self):
        return type(self), (self.message,)


class Deadline:
    """The time a request must be answered by."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self):
        return self.end - time.monotonic()

    def error(self):
        return DeadlineError(f"The request did not finish within {self.seconds:g} s "
                             f"(--request-timeout-seconds)")

    def check(self):
        """Raises `DeadlineError` when the deadline has passed (before starting a stage)."""
        if self.remaining() <= 0:
            raise self.error()


class WorkLimiter:
    """Admits `max_active` requests at once and queues `max_queued` more.

    Example:
    >>> limiter = WorkLimiter(4, 64)
    >>> async def handle():  # doctest: +SKIP
    ...     return await limiter.run(do_work(), deadline)
    """

    def __init__(self, max_active, max_queued):
        self.max_active = max_active
        self.max_queued = max_queued
        self._semaphore = None
        self._waiting = 0
        self.active = 0

    async def run(self, coroutine, deadline):
        """Runs `coroutine` in a slot; answers by the deadline while the slot lasts as long as the work.

        Raises:
            BusyError: the queue is full (the coroutine is closed unstarted).
            DeadlineError: the deadline passed (the work goes on to its next stage
                boundary, then stops, and frees the slot).
        """
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_active)
        if self._semaphore.locked() and self._waiting >= self.max_queued:
            coroutine.close()
            raise BusyError(f"The server is busy: {self.max_active} requests are running and "
                            f"{self._waiting} are queued (--max-concurrent-requests, "
                            f"--max-queued-requests); retry shortly")
        self._waiting += 1
        try:
            await asyncio.wait_for(self._semaphore.acquire(), max(deadline.remaining(), 0))
        except asyncio.TimeoutError:
            coroutine.close()
            raise deadline.error() from None
        finally:
            self._waiting -= 1
        self.active += 1
        task = asyncio.ensure_future(coroutine)
        task.add_done_callback(self._release)
        try:
            return await asyncio.wait_for(asyncio.shield(task), max(deadline.remaining(), 0))
        except asyncio.TimeoutError:
            raise deadline.error() from None

    def _release(self, task):
        self.active -= 1
        self._semaphore.release()
        if not task.cancelled() and task.exception() is not None:
            task.exception()  # retrieved: an abandoned task's error is not logged as unhandled


class Workers:
    """The thread pool (model calls, encoding) and the process pool (large bodies).

    Args:
        threads: thread pool size.
        processes: decoding processes (0: decode everything in threads).
        inline_bytes: bodies up to this size are decoded in a thread.
    """

    def __init__(self, threads, processes=1, inline_bytes=64 * 1024):
        self.threads = concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="o2v-work")
        self.processes_count = processes
        self.inline_bytes = inline_bytes
        self._processes = None

    def start(self):
        """Starts the decoding processes (in the background; the first large body waits for them)."""
        if self.processes_count > 0 and self._processes is None:
            self._processes = concurrent.futures.ProcessPoolExecutor(
                self.processes_count, mp_context=multiprocessing.get_context("spawn"))
            for _ in range(self.processes_count):
                self._processes.submit(decoding.ready)

    def decode_elsewhere(self, size):
        """Whether a body of `size` bytes is decoded in a worker process."""
        return self.processes_count > 0 and size > self.inline_bytes

    async def in_thread(self, deadline, function, *args):
        deadline.check()
        return await asyncio.get_running_loop().run_in_executor(self.threads, function, *args)

    async def decode(self, deadline, size, function, *args):
        """Runs a `decoding` function: in a thread for small bodies, else in a process."""
        deadline.check()
        if not self.decode_elsewhere(size):
            return await self.in_thread(deadline, function, *args)
        if self._processes is None:
            self.start()
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._processes, function, *args)
        except concurrent.futures.process.BrokenProcessPool:
            log.error("A decoding process died; starting new ones")
            self._processes = None
            self.start()
            raise InferenceError("The request decoder process died while reading this request; "
                                 "retry", status=500) from None

    def close(self):
        self.threads.shutdown(wait=False, cancel_futures=True)
        if self._processes is not None:
            self._processes.shutdown(wait=False, cancel_futures=True)

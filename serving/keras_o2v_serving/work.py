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
import contextvars
import logging
import multiprocessing
import time

from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v_serving import decoding

log = logging.getLogger("keras_o2v_serving")


async def within(seconds, awaitable):
    """`await awaitable`, raising `asyncio.TimeoutError` after `seconds` (no extra task on 3.11+)."""
    if hasattr(asyncio, "timeout"):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)


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


_current_slot = contextvars.ContextVar("o2v_slot", default=None)


class _Slot:
    """One admitted request's share of the limit; freed when its work has really ended."""

    def __init__(self, limiter):
        self.limiter = limiter
        self.running = None  # the concurrent.futures.Future of the stage in a worker
        self.freed = False

    def free(self):
        if not self.freed:
            self.freed = True
            self.limiter._free()

    def free_when_idle(self):
        """After a deadline or a cancellation: free now, or when the running stage ends."""
        running = self.running
        if running is None or running.done():
            self.free()
        else:
            loop = asyncio.get_running_loop()
            running.add_done_callback(lambda _: loop.call_soon_threadsafe(self.free))


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
        """Runs `coroutine` in a slot; answers by the deadline, while the slot lasts as long as the work.

        The coroutine runs in the caller's task (no extra task); its stages run in
        `Workers`, which record the running stage on the slot, so a deadline frees
        the slot only when that stage has ended, and no later stage starts.

        Raises:
            BusyError: the queue is full (the coroutine is closed unstarted).
            DeadlineError: the deadline passed.
        """
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_active)
        if self._semaphore.locked():
            if self._waiting >= self.max_queued:
                coroutine.close()
                raise BusyError(f"The server is busy: {self.max_active} requests are running and "
                                f"{self._waiting} are queued (--max-concurrent-requests, "
                                f"--max-queued-requests); retry shortly")
            self._waiting += 1
            try:
                await within(max(deadline.remaining(), 0), self._semaphore.acquire())
            except asyncio.TimeoutError:
                coroutine.close()
                raise deadline.error() from None
            finally:
                self._waiting -= 1
        else:
            await self._semaphore.acquire()  # free: returns at once
        self.active += 1
        slot = _Slot(self)
        token = _current_slot.set(slot)
        finished = False
        try:
            result = await within(max(deadline.remaining(), 0), coroutine)
            finished = True
            return result
        except asyncio.TimeoutError:
            raise deadline.error() from None
        finally:
            _current_slot.reset(token)
            if finished or slot.running is None:
                slot.free()
            else:
                slot.free_when_idle()

    def _free(self):
        self.active -= 1
        self._semaphore.release()


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
        """Starts the decoding processes in the background (`o2v serve` does at start-up;
        otherwise the first large body starts them)."""
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
        return await _tracked(self.threads.submit(function, *args))

    async def decode(self, deadline, size, function, *args):
        """Runs a `decoding` function: in a thread for small bodies, else in a process."""
        deadline.check()
        if not self.decode_elsewhere(size):
            return await self.in_thread(deadline, function, *args)
        if self._processes is None:
            self.start()
        try:
            return await _tracked(self._processes.submit(function, *args))
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


async def _tracked(future):
    """Awaits a worker's future, recording it on the request's slot while it runs."""
    slot = _current_slot.get()
    if slot is not None:
        slot.running = future
    return await asyncio.wrap_future(future)

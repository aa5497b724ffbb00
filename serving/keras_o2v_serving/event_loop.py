"""The asyncio event loop a server runs on: uvloop when installed, else the standard one.

uvloop (libuv under asyncio's API; the loop aiohttp's documentation recommends)
cuts the per-request cost of HTTP handling and of the hand-off between the
event loop and the worker threads; on one-row requests that is a fifth of the
time the server adds to the model call (`benchmarks/serving_load.py`). It is
not built for Windows, where `auto` falls back to asyncio's own loop.

Example:
>>> loop, name = new_event_loop("auto")
>>> name in ("uvloop", "asyncio")
True
>>> loop.close()
"""

import asyncio

EVENT_LOOPS = ("auto", "uvloop", "asyncio")


def new_event_loop(choice="auto"):
    """A new event loop and its name.

    Args:
        choice: `auto` (uvloop when importable, else asyncio), `uvloop` or `asyncio`.

    Returns:
        `(loop, name)`, `name` being "uvloop" or "asyncio".

    Raises:
        ValueError: an unknown choice, or `uvloop` asked for and not installed.
    """
    if choice not in EVENT_LOOPS:
        raise ValueError(f"event loop must be one of {', '.join(EVENT_LOOPS)}, got {choice!r}")
    if choice != "asyncio":
        try:
            import uvloop
        except ImportError:
            if choice == "uvloop":
                raise ValueError("--loop uvloop: uvloop is not installed (pip install uvloop; "
                                 "it is not built for Windows)") from None
        else:
            return uvloop.new_event_loop(), "uvloop"
    return asyncio.new_event_loop(), "asyncio"

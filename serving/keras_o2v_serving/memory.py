"""The serving process's heap: long-lived objects kept out of garbage collection, freed memory returned.

- `freeze_long_lived`: a process with TensorFlow and a loaded model holds some
  400,000 objects the cyclic garbage collector can track; a full collection walks
  them all with the interpreter lock held (about 150 ms on the 2-core development
  machine), a stall for `/ping` whenever a request allocates enough objects to
  start one. After the models are loaded, the server collects once and freezes
  what is left (`gc.freeze`): later collections walk only the objects made since.
  It is done again after each version change, so an unloaded version is collected.
- `release_free_memory`: after a large answer, glibc keeps the freed pages of its
  arenas; `malloc_trim(0)` gives them back to the system, so the resident size
  returns to what it was. Elsewhere (no glibc) it does nothing.

Example:
>>> freeze_long_lived()  # doctest: +SKIP
>>> release_free_memory() in (True, False)
True
"""

import ctypes
import ctypes.util
import functools
import gc
import sys


def freeze_long_lived():
    """Collects garbage, then moves every surviving object out of later collections."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


_servers = 0  # servers running in this process (BackgroundServer may run several)


def server_started():
    """Counts a running server, so the objects stay frozen until the last one stops."""
    global _servers
    _servers += 1


def server_stopped():
    """When the last server of the process stops, its frozen objects are collected again."""
    global _servers
    _servers = max(0, _servers - 1)
    if _servers == 0:
        gc.unfreeze()


@functools.lru_cache(maxsize=1)
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_free_memory():
    """Returns freed heap pages to the system (glibc); True when some were released.

    A foreign call through ctypes, it runs without the interpreter lock: call it
    from a worker thread, and the event loop goes on meanwhile.
    """
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False

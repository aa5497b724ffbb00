"""Writing files atomically: to a temporary file beside the target, then renaming.

Every file keras_o2v writes for a user (model_dir artefacts, prepared data,
predictions, vectors, dataset caches) goes through here, so a crash or a bad
record never leaves a half-written file: the target appears complete, or the
old one stays. Temporary names start with `TEMPORARY_PREFIX`.
"""

import contextlib
import os
import tempfile

TEMPORARY_PREFIX = ".tmp-"


@contextlib.contextmanager
def atomic_path(path, suffix=".tmp"):
    """Yields a temporary path beside `path`; it replaces `path` when the block succeeds.

    For writers that want a file name (e.g. `model.save`, which needs `.keras`
    as `suffix`). If the block raises, the temporary file is removed and `path`
    is left as it was.

    Args:
        path: the destination file (its folder is created).
        suffix: ending of the temporary name.

    Example:
    >>> with atomic_path("out/model.keras", suffix=".keras") as tmp:  # doctest: +SKIP
    ...     model.save(tmp)
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(
        prefix=f"{TEMPORARY_PREFIX}{os.path.basename(path)}.", suffix=suffix, dir=directory)
    os.close(fd)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


@contextlib.contextmanager
def atomic_write(path, mode="w", encoding="utf-8"):
    """Opens a file for writing that appears at `path` only when complete.

    The content is flushed to disk (`fsync`) before the rename.

    Args:
        path: the destination file.
        mode: "w" (text) or "wb" (bytes).
        encoding: text encoding (text mode only).

    Example:
    >>> with atomic_write("out.jsonl") as handle:  # doctest: +SKIP
    ...     handle.write("{}\\n")
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    text = {"encoding": encoding, "newline": "\n"} if mode == "w" else {}
    with atomic_path(path) as temporary:
        with open(temporary, mode, **text) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask

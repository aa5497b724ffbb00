"""Writing a file atomically: to a temporary file beside it, then renaming."""

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_write(path, encoding="utf-8"):
    """Opens a text file for writing that appears at `path` only when complete.

    The content goes to a temporary file in the same directory, which replaces
    `path` (`os.replace`) when the block exits normally; if the block raises, the
    temporary file is removed and `path` is left as it was.

    Args:
        path: the destination file.
        encoding: text encoding.

    Example:
    >>> with atomic_write("out.jsonl") as handle:  # doctest: +SKIP
    ...     handle.write("{}\\n")
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, temp_path = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="\n") as handle:
            yield handle
        os.chmod(temp_path, 0o666 & ~_umask())
        os.replace(temp_path, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temp_path)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask

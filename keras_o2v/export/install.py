"""Putting a finished SavedModel folder in place as `BASE/<version>/`, atomically.

An export writes into a scratch folder `BASE/.export-XXXX/` (hidden: TF Serving
and `o2v serve` only load integer-named folders) and holds an exclusive lock on
`BASE/.export-XXXX/.lock` until it is done; the lock dies with the process, so a
scratch folder whose lock can be taken was left by a killed export, and the next
export removes it.

- New version: `rename(scratch/saved_model, BASE/<v>)`, atomic; it fails if
  another export took the number meanwhile, and the next number is tried.
- Overwrite: `renameat2(RENAME_EXCHANGE)` swaps the complete new folder and the
  old one in one step (Linux >= 3.15, most local filesystems); the old one then
  sits in the scratch folder and is deleted. At every instant `BASE/<v>` is either
  the whole old version or the whole new one.
- Where the kernel or filesystem cannot exchange (other systems, some network
  filesystems), two renames: old aside into the scratch folder, new into place.
  A crash between them leaves no `BASE/<v>` for that moment; the scratch folder
  records the move (`replaced.json`), and the next export moves the old version
  back before anything else.
"""

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import shutil
import tempfile

from keras_o2v.serving_contract import EXPORT_SCRATCH_PREFIX

_LOCK = ".lock"
_REPLACED = "replaced"
_REPLACED_RECORD = "replaced.json"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100

# Called with a step name at every step of an export; tests use it to stop an
# export at each point. The steps, in order: "scratch", "written", "installing",
# "old-aside" (fallback only), "installed".
step_hook = None


def _step(name):
    if step_hook is not None:
        step_hook(name)


class Scratch:
    """A locked scratch folder under `base_path`; `close()` unlocks and removes it."""

    def __init__(self, base_path):
        self.base_path = base_path
        # Cleaning and creating happen under one lock on the base path, so a cleaner
        # never sees a new scratch folder before its owner has locked it.
        with _base_lock(base_path):
            _remove_stale_scratch(base_path)
            self.path = tempfile.mkdtemp(prefix=EXPORT_SCRATCH_PREFIX, dir=base_path)
            self._lock = os.open(os.path.join(self.path, _LOCK), os.O_CREAT | os.O_RDWR, 0o600)
            fcntl.flock(self._lock, fcntl.LOCK_EX)
        _step("scratch")

    @property
    def staging(self):
        """Where the SavedModel is written."""
        return os.path.join(self.path, "saved_model")

    def close(self):
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._lock)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@contextlib.contextmanager
def _base_lock(base_path):
    descriptor = os.open(base_path, os.O_RDONLY)  # flock works on a folder: nothing left behind
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _remove_stale_scratch(base_path):
    """Deletes the scratch folders of killed exports (first restoring a version set aside).

    Returns:
        The names of the folders removed.
    """
    removed = []
    for name in sorted(os.listdir(base_path)):
        path = os.path.join(base_path, name)
        if not name.startswith(EXPORT_SCRATCH_PREFIX) or not os.path.isdir(path):
            continue
        try:
            lock = os.open(os.path.join(path, _LOCK), os.O_CREAT | os.O_RDWR, 0o600)
        except OSError:
            continue  # removed by its owner meanwhile
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock)  # a running export owns it
            continue
        try:
            _restore_replaced(base_path, path)
            shutil.rmtree(path, ignore_errors=True)
            removed.append(name)
        finally:
            os.close(lock)
    return removed


def install_new(staging, base_path, version_fn):
    """Renames `staging` to `BASE/<version_fn()>`, retrying when another export took it."""
    _step("installing")
    while True:
        target = os.path.join(base_path, str(version_fn()))
        try:
            os.rename(staging, target)
        except OSError:
            if not os.path.exists(target):
                raise
            continue
        _step("installed")
        return target


def install_version(staging, base_path, version, scratch, overwrite):
    """Puts `staging` at `BASE/<version>`; replaces an existing one only with `overwrite`."""
    target = os.path.join(base_path, str(int(version)))
    _step("installing")
    try:
        os.rename(staging, target)  # succeeds when the number is free (or an empty folder)
        _step("installed")
        return target
    except OSError as error:
        if error.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR, errno.ENOTDIR):
            raise
    if not overwrite:
        raise FileExistsError(f"Version {version} already exists in {base_path}")
    if not _exchange(staging, target):
        aside = os.path.join(scratch.path, _REPLACED)
        with open(os.path.join(scratch.path, _REPLACED_RECORD), "w", encoding="utf-8") as f:
            json.dump({"version": str(int(version))}, f)
            f.flush()
            os.fsync(f.fileno())
        os.rename(target, aside)
        _step("old-aside")
        os.rename(staging, target)
    _step("installed")
    return target


def _restore_replaced(base_path, scratch_path):
    record = os.path.join(scratch_path, _REPLACED_RECORD)
    aside = os.path.join(scratch_path, _REPLACED)
    if not (os.path.isfile(record) and os.path.isdir(aside)):
        return
    with open(record, encoding="utf-8") as f:
        version = json.load(f)["version"]
    target = os.path.join(base_path, version)
    if not os.path.exists(target):
        os.rename(aside, target)


_renameat2 = None


def _exchange(a, b):
    """Swaps two paths atomically with renameat2(RENAME_EXCHANGE); False if unsupported."""
    global _renameat2
    if _renameat2 is None:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        _renameat2 = getattr(libc, "renameat2", False)
        if _renameat2:
            _renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                   ctypes.c_uint]
    if not _renameat2 or not exchange_supported:
        return False
    result = _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), b)


# Tests set this to False to run the two-rename fallback.
exchange_supported = True

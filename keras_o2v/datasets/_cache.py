"""Verified, atomically written cache of canonical dataset files.

A dataset is a few *canonical files* (line-based text: TSV or JSON Lines) that a
`Source` produces from some upstream artefact. Before anything is cached, each file
is checked against the source's recorded row count, SHA-256 and distinct-value
counts. Files are written to a temporary name and renamed into place; the manifest
is written last, so a cache folder with a manifest is always complete.

Loading from the cache re-hashes a file only when its size or modification time
differs from what the manifest recorded (a file that was edited or replaced), so
repeated loads of a large file such as GloVe do not read it twice.
"""

import dataclasses
import hashlib
import json
import logging
import os
import pathlib
import shutil
import tempfile
from typing import Callable, Mapping, Optional, Sequence, Union

from keras_o2v.atomic_files import atomic_write
from keras_o2v.errors import DataError, O2VError

logger = logging.getLogger("keras_o2v.datasets")

CACHE_ENV = "KERAS_O2V_CACHE"
MANIFEST = "manifest.json"


def cache_root(cache_dir=None):
    """Returns the cache folder: `cache_dir`, else `$KERAS_O2V_CACHE`, else `~/.cache/keras_o2v`."""
    if cache_dir is None:
        cache_dir = os.environ.get(CACHE_ENV) or os.path.join("~", ".cache", "keras_o2v")
    return pathlib.Path(cache_dir).expanduser()


def sha256_hex(data):
    """SHA-256 hex digest of `data` (bytes)."""
    return hashlib.sha256(data).hexdigest()


def atomic_write_bytes(path, data):
    """Writes `data` to `path` through a temporary file in the same folder and a rename."""
    with atomic_write(path, "wb") as f:
        f.write(data)


@dataclasses.dataclass(frozen=True)
class FileCheck:
    """What a canonical file must contain.

    Args:
        rows: number of lines (records) in the file.
        sha256: SHA-256 of the file bytes, or `None` where no value has been recorded
            for this source (then only the counts are checked).
        distinct: optional `{column: count}` of distinct values; `column` is an int
            (TSV column) or a str (JSON Lines field).
    """

    rows: int
    sha256: Optional[str] = None
    distinct: Mapping[Union[int, str], int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Source:
    """One place a dataset can come from.

    Args:
        name: short name, recorded in the cache manifest (e.g. `"grouplens"`).
        fetch: `fetch(work_dir) -> {file_name: bytes}`; downloads the upstream
            artefact into the temporary `work_dir` and returns the canonical files.
        checks: `{file_name: FileCheck}` for every canonical file.
    """

    name: str
    fetch: Callable[[pathlib.Path], Mapping[str, bytes]]
    checks: Mapping[str, FileCheck]


def verify_files(files, checks, origin):
    """Checks canonical `files` against `checks`; raises `DataError` listing every mismatch."""
    problems = []
    for name, check in checks.items():
        where = f"{origin}/{name}"
        if name not in files:
            problems.append((where, 0, "file missing from the source"))
            continue
        data = files[name]
        rows = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        if rows != check.rows:
            problems.append((where, 0, f"expected {check.rows} rows, found {rows}"))
        for column, expected in check.distinct.items():
            found = _count_distinct(data, column)
            if found != expected:
                problems.append(
                    (where, 0, f"expected {expected} distinct values of {column!r}, found {found}")
                )
        if check.sha256 is not None:
            digest = sha256_hex(data)
            if digest != check.sha256:
                problems.append((where, 0, f"sha256 mismatch: expected {check.sha256}, found {digest}"))
    if problems:
        raise DataError(problems)


def _count_distinct(data, column):
    lines = data.decode("utf-8").splitlines()
    if isinstance(column, int):
        return len({line.split("\t")[column] for line in lines})
    return len({json.dumps(json.loads(line)[column]) for line in lines})


def load_dataset_files(name, sources: Sequence[Source], cache_dir=None):
    """Returns `{file_name: Path}` of a dataset's verified canonical files.

    Uses the cache when its manifest and file hashes agree; otherwise tries `sources`
    in order (a failing or unverifiable source is logged and the next is tried),
    verifies the result and writes it to the cache atomically.

    Raises:
        DataError: every source produced data that failed verification.
        O2VError: no source could be reached or read.
    """
    folder = cache_root(cache_dir) / name
    cached = _read_cache(folder)
    if cached is not None:
        return cached
    failures = []
    for source in sources:
        try:
            with tempfile.TemporaryDirectory(prefix=f"keras_o2v-{name}-") as work:
                files = dict(source.fetch(pathlib.Path(work)))
            verify_files(files, source.checks, f"{name}[{source.name}]")
        except Exception as error:  # noqa: BLE001 - any failure means: try the next source.
            logger.warning("%s: source %r failed: %s", name, source.name, error)
            failures.append((source, error))
            continue
        _write_cache(folder, source.name, files)
        logger.info("%s: cached from source %r in %s", name, source.name, folder)
        return {file_name: folder / file_name for file_name in files}
    if failures and all(isinstance(error, DataError) for _, error in failures):
        raise DataError([p for _, error in failures for p in error.problems])
    summary = "; ".join(f"{source.name}: {type(e).__name__}: {e}" for source, e in failures)
    raise O2VError(f"Could not obtain dataset {name!r} from any source ({summary or 'no sources'}).") from (
        failures[-1][1] if failures else None
    )


def _read_cache(folder):
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        return None
    try:
        manifest = json.loads(manifest_path.read_text())
        paths = {}
        rehashed = False
        for file_name, entry in manifest["files"].items():
            path = folder / file_name
            if not _unchanged_since_manifest(path, entry):
                if sha256_hex(path.read_bytes()) != entry["sha256"]:
                    raise ValueError(f"{path} does not match its manifest hash")
                entry.update(file_stamp(path))
                rehashed = True
            paths[file_name] = path
        if rehashed:  # verified again: record the stat so the next load need not re-read
            _write_manifest(manifest_path, manifest)
        return paths
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.warning("Ignoring damaged cache %s (%s); fetching again.", folder, error)
        return None


def file_stamp(path):
    """`{"size", "mtime_ns"}` of `path`: what changes when the file is edited or replaced."""
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _unchanged_since_manifest(path, entry):
    return all(entry.get(key) == value for key, value in file_stamp(path).items())


def _write_cache(folder, source_name, files):
    manifest_path = folder / MANIFEST
    if manifest_path.exists():
        manifest_path.unlink()
    entries = {}
    for file_name, data in files.items():
        atomic_write_bytes(folder / file_name, data)
        entries[file_name] = {"rows": data.count(b"\n"), "sha256": sha256_hex(data),
                              **file_stamp(folder / file_name)}
    _write_manifest(manifest_path, {"source": source_name, "files": entries})


def _write_manifest(path, manifest):
    atomic_write_bytes(path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())


def clear_cache(name, cache_dir=None):
    """Deletes the cached files of dataset `name` (no error if absent)."""
    shutil.rmtree(cache_root(cache_dir) / name, ignore_errors=True)

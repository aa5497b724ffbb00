"""The serving SavedModel written at one path (no version folder): what `Object2Vec.export` does."""

import os
import shutil
import tempfile

from keras_o2v.export.saved_model import export_saved_model


def export_at_path(model, path, warmup=True):
    """Writes `export_saved_model`'s SavedModel of `model` at `path` itself, atomically.

    The SavedModel is written next to `path` and renamed into place; an existing
    `path` is replaced in the same way, so `path` always holds a whole SavedModel.

    Args:
        model: a `keras_o2v.Object2Vec`.
        path: the SavedModel folder to write.
        warmup: write the warm-up records into `assets.extra/`.

    Returns:
        `path`.

    Example:
    >>> export_at_path(model, "exports/o2v-2026-11-21")  # doctest: +SKIP
    'exports/o2v-2026-11-21'
    """
    path = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix=".export-", dir=parent)
    try:
        written = export_saved_model(model, scratch, version=1, warmup=warmup)
        if os.path.lexists(path):
            os.rename(path, os.path.join(scratch, "replaced"))
        os.rename(written, path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return path

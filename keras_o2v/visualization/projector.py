"""TensorBoard Embedding Projector files for a set of embeddings.

Writes, into a log directory:
    - `<name>_vectors.tsv`: one vector per line, values separated by tabs,
      no header (TensorBoard's `tensor_path` format).
    - `<name>_metadata.tsv` (when metadata is given): one row per vector. A
      single column has no header line; several columns have a header line of
      column names, as the projector expects.
    - `projector_config.pbtxt`: a `tensorboard.projector.ProjectorConfig` in
      protobuf text format with one `embeddings { ... }` entry per call
      (entries of other names already in the file are kept). Paths are
      relative to the log directory.

Open with `tensorboard --logdir <log_dir>` (Projector tab), or load the two
TSV files at https://projector.tensorflow.org.
"""

import os
import re

import numpy as np

CONFIG_FILE = "projector_config.pbtxt"


def _clean(value):
    """A metadata cell: tabs and newlines would break the TSV, so become spaces."""
    return re.sub(r"[\t\r\n]+", " ", str(value))


def _metadata_columns(metadata, count):
    """Normalises metadata to `(column_names, rows)`; one name means no header."""
    if isinstance(metadata, dict):
        names = list(metadata)
        columns = [list(metadata[name]) for name in names]
    else:
        names = ["label"]
        columns = [list(metadata)]
    if not names:
        raise ValueError("metadata has no columns.")
    for name, column in zip(names, columns):
        if len(column) != count:
            raise ValueError(f"metadata column {name!r} has {len(column)} values for "
                             f"{count} vectors.")
    return names, list(zip(*columns))


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _existing_entries(config_path, keep_other_than):
    """`embeddings { ... }` blocks of an existing config whose tensor_name differs."""
    if not os.path.exists(config_path):
        return []
    with open(config_path, encoding="utf-8") as handle:
        text = handle.read()
    blocks = re.findall(r"embeddings \{.*?\n\}\n", text, flags=re.S)
    return [b for b in blocks if f"tensor_name: {_quote(keep_other_than)}" not in b]


def write_projector_files(log_dir, vectors, metadata=None, name="embeddings"):
    """Writes TensorBoard Embedding Projector files for `vectors`.

    Args:
        log_dir: directory to write into (created if needed).
        vectors: float array-like `[count, dim]`.
        metadata: optional labels: a sequence of `count` values (one column,
            written without header) or a dict `{column_name: sequence}` (several
            columns get a header line; a single-key dict is written like a
            sequence).
        name: tensor name shown in the projector; also prefixes the file names.
            Calling again with another name adds a second embedding.

    Returns:
        A dict with the paths written: `"vectors"`, `"metadata"` (or None) and
        `"config"`.

    Example:
    >>> paths = keras_o2v.visualization.write_projector_files(
    ...     "logs/projector", embeddings, metadata={"id": ids, "label": labels})
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] == 0:
        raise ValueError(f"vectors must be a non-empty 2-D array, got shape {vectors.shape}.")
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
        raise ValueError(f"name {name!r} must use only letters, digits, '_', '-' and '.'.")
    os.makedirs(log_dir, exist_ok=True)
    vectors_file = f"{name}_vectors.tsv"
    np.savetxt(os.path.join(log_dir, vectors_file), vectors, fmt="%.7g", delimiter="\t")

    metadata_file = None
    if metadata is not None:
        names, rows = _metadata_columns(metadata, vectors.shape[0])
        metadata_file = f"{name}_metadata.tsv"
        with open(os.path.join(log_dir, metadata_file), "w", encoding="utf-8") as handle:
            if len(names) > 1:
                handle.write("\t".join(_clean(n) for n in names) + "\n")
            for row in rows:
                handle.write("\t".join(_clean(v) for v in row) + "\n")

    entry = [f"  tensor_name: {_quote(name)}",
             f"  tensor_path: {_quote(vectors_file)}"]
    if metadata_file:
        entry.append(f"  metadata_path: {_quote(metadata_file)}")
    entry += [f"  tensor_shape: {vectors.shape[0]}", f"  tensor_shape: {vectors.shape[1]}"]
    block = "embeddings {\n" + "\n".join(entry) + "\n}\n"
    config_path = os.path.join(log_dir, CONFIG_FILE)
    blocks = _existing_entries(config_path, name) + [block]
    with open(config_path, "w", encoding="utf-8") as handle:
        handle.write("".join(blocks))
    return {
        "vectors": os.path.join(log_dir, vectors_file),
        "metadata": os.path.join(log_dir, metadata_file) if metadata_file else None,
        "config": config_path,
    }

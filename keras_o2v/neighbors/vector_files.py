"""Reading and writing embedding-vector files for the neighbour tools.

Two input formats are accepted, chosen by file extension:

- JSON Lines (any extension but `.npy`): one object per line,
  `{"id": "doc7", "embeddings": [0.1, -0.3, ...]}` (the key of `o2v embed`,
  `o2v predict` and SageMaker Object2Vec's inference output). `id` is a string or
  an integer and is optional (the 0-based record number is used when absent).
  The older key `"embedding"` is read too. Other keys are ignored unless asked for (e.g.
  a `"truth"` field for `o2v evaluate-retrieval`). Blank lines are skipped.
  All vectors have the same dimension and finite values.
- NumPy `.npy`: a 2-D float array `[count, dim]`. Ids come from a sidecar text
  file next to it, `<name>.ids.txt` for `<name>.npy`, one id per line; without
  it, ids are the row numbers 0..count-1.

Neighbour output is JSON Lines, one line per query in query order:
`{"id": qid, "neighbors": [{"id": bid, "score": s}, ...]}`, nearest first.
"""

import collections
import json
import math
import os

import numpy as np

from keras_o2v.data.json_lines import read_json_lines
from keras_o2v.errors import DataError

VECTOR_KEYS = ("embeddings", "embedding")
MAX_PROBLEMS = 50

VectorFile = collections.namedtuple("VectorFile", ["ids", "vectors", "fields", "lines"])
VectorFile.__doc__ = """Vectors read from a file.

Attributes:
    ids: list of ids (str or int), one per vector.
    vectors: float32 array `[count, dim]`.
    fields: dict mapping each requested extra field name to a list of values.
    lines: for JSON Lines, the 1-based line number of each vector (for error
        messages); None for `.npy` files.
"""


def ids_path_for(npy_path):
    """Sidecar ids file of a `.npy` vectors file: `x.npy` -> `x.ids.txt`."""
    return os.path.splitext(npy_path)[0] + ".ids.txt"


def read_vectors(path, dim=None, fields=()):
    """Reads a vectors file (JSON Lines or `.npy`), validating every record.

    Args:
        path: file path; `.npy` files are read as NumPy arrays, anything else
            as JSON Lines.
        dim: expected vector dimension, or None to take the first record's.
        fields: extra JSON Lines keys that every record must have (returned in
            `VectorFile.fields`). Not available for `.npy` files.

    Returns:
        A `VectorFile`.

    Raises:
        DataError: naming the file and line (or row) of each problem:
            malformed JSON, missing or non-numeric embedding, wrong dimension,
            NaN or infinite values, bad id, missing field, empty file.

    Example:
    >>> vectors = keras_o2v.neighbors.read_vectors("base.jsonl")
    >>> vectors.vectors.shape
    (1000, 256)
    """
    if str(path).endswith(".npy"):
        if fields:
            raise DataError([(path, 0, f"field(s) {', '.join(fields)} need a JSON Lines file")])
        return _read_npy(path, dim)
    return _read_jsonl(path, dim, tuple(fields))


def _read_npy(path, dim):
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as error:
        raise DataError([(path, 0, f"cannot read NumPy array: {error}")]) from error
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.number):
        raise DataError([(path, 0, f"expected a 2-D numeric array, got {array.dtype} "
                                   f"with shape {array.shape}")])
    if array.shape[0] == 0:
        raise DataError([(path, 0, "no vectors")])
    if dim is not None and array.shape[1] != dim:
        raise DataError([(path, 0, f"vectors have dimension {array.shape[1]}, expected {dim}")])
    vectors = np.asarray(array, dtype=np.float32)
    bad_rows = np.flatnonzero(~np.isfinite(vectors).all(axis=1))
    if bad_rows.size:
        raise DataError([(path, f"row {row}", "NaN or infinite value in vector")
                         for row in bad_rows[:MAX_PROBLEMS]])
    sidecar = ids_path_for(path)
    if os.path.exists(sidecar):
        with open(sidecar, encoding="utf-8") as handle:
            ids = [line.rstrip("\r\n") for line in handle]
        if len(ids) != vectors.shape[0]:
            raise DataError([(sidecar, len(ids), f"{len(ids)} ids for {vectors.shape[0]} "
                                                 f"vectors in {path}")])
    else:
        ids = list(range(vectors.shape[0]))
    return VectorFile(ids, vectors, {}, None)


def _read_jsonl(path, dim, fields):
    problems = []
    ids, chunks, rows, lines = [], [], [], []
    extra = {name: [] for name in fields}
    for line_number, obj, message in read_json_lines(path):
        if len(problems) >= MAX_PROBLEMS:
            break
        record = None
        if message is None:
            record, message = _parse_record(obj, fields)
        if message is None:
            vector = record["vector"]
            if dim is None:
                dim = vector.shape[0]
            if vector.shape[0] != dim:
                message = f"embedding has dimension {vector.shape[0]}, expected {dim}"
        if message is not None:
            problems.append((path, line_number, message))
            continue
        ids.append(record.get("id", len(ids)))
        lines.append(line_number)
        for name in fields:
            extra[name].append(record["fields"][name])
        rows.append(record["vector"])
        if len(rows) == 65536:
            chunks.append(np.stack(rows))
            rows = []
    if problems:
        raise DataError(problems)
    if rows:
        chunks.append(np.stack(rows))
    if not chunks:
        raise DataError([(path, 0, "no vectors")])
    vectors = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
    return VectorFile(ids, vectors, extra, lines)


def _parse_record(obj, fields):
    """Returns `(record, None)` or `(None, problem message)` for one decoded JSON line."""
    if not isinstance(obj, dict):
        return None, f"expected a JSON object, got {type(obj).__name__}"
    key = next((k for k in VECTOR_KEYS if k in obj), None)
    if key is None:
        return None, "missing key 'embeddings'"
    values = obj[key]
    if (not isinstance(values, list) or not values
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)):
        return None, f"'{key}' must be a non-empty list of numbers"
    if not all(math.isfinite(v) for v in values):
        return None, f"'{key}' holds NaN or infinite values"
    record = {"vector": np.asarray(values, dtype=np.float32), "fields": {}}
    if "id" in obj:
        if not isinstance(obj["id"], (str, int)) or isinstance(obj["id"], bool):
            return None, f"'id' must be a string or an integer, got {json.dumps(obj['id'])}"
        record["id"] = obj["id"]
    for name in fields:
        if name not in obj:
            return None, f"missing key {name!r}"
        record["fields"][name] = obj[name]
    return record, None


def to_json_value(value):
    """Converts NumPy scalars (ids, scores) to plain Python for `json.dumps`."""
    return value.item() if isinstance(value, np.generic) else value


def write_neighbors(path, query_ids, neighbor_ids, scores):
    """Writes neighbour results as JSON Lines, one line per query.

    Args:
        path: output file path, or an open text file.
        query_ids: sequence of query ids.
        neighbor_ids: `[num_queries, k]` array of neighbour ids.
        scores: `[num_queries, k]` array of scores (NaN is written as null).

    Example:
    >>> write_neighbors("out.jsonl", ["q"], [["a", "b"]], [[0.9, 0.5]])
    """
    if hasattr(path, "write"):
        _write_neighbor_lines(path, query_ids, neighbor_ids, scores)
        return
    with open(path, "w", encoding="utf-8") as handle:
        _write_neighbor_lines(handle, query_ids, neighbor_ids, scores)


def _write_neighbor_lines(handle, query_ids, neighbor_ids, scores):
    for qid, nids, nscores in zip(query_ids, neighbor_ids, scores):
        neighbors = [
            {"id": to_json_value(nid),
             "score": None if math.isnan(score) else round(float(score), 7)}
            for nid, score in zip(nids, nscores)
        ]
        handle.write(json.dumps({"id": to_json_value(qid), "neighbors": neighbors}) + "\n")

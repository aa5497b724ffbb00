"""JSON in and out of the inference protocols: fast, bounded, never a stray exception.

Decoding uses orjson (several times faster than the standard library, and it
stops at 1024 levels of nesting instead of raising RecursionError); what orjson
refuses is decoded again with the standard library, which also reads `NaN` and
`Infinity` as TensorFlow Serving does and words the error. Any failure becomes an
`InferenceError` (HTTP 400) with a clear message. Encoding writes numpy arrays
directly (float32 in its shortest form), and `NaN` / `Infinity` as TF Serving does.

Example:
>>> loads(b'{"instances": [[1, 2]]}')
{'instances': [[1, 2]]}
>>> dumps({"predictions": np.array([[0.5, 1.0]], np.float32)})
b'{"predictions":[[0.5,1.0]]}'
"""

import json

import numpy as np
import orjson

from keras_o2v.inference.protocol.errors import InferenceError

MAX_DEPTH = 1024  # orjson's nesting limit; deeper documents are refused


def loads(body, what="JSON"):
    """Decodes bytes or str; raises `InferenceError` (400) naming the problem.

    Args:
        body: the document.
        what: how to name it in errors ("JSON", "line 7").
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        text = body.decode("utf-8") if isinstance(body, (bytes, bytearray, memoryview)) else body
    except UnicodeDecodeError as error:
        raise InferenceError(f"{what} is not UTF-8: {error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InferenceError(f"{what} Parse error: {error.msg} at line {error.lineno} column "
                             f"{error.colno} (offset {error.pos})") from None
    except RecursionError:
        raise InferenceError(f"{what} is nested too deeply (more than {MAX_DEPTH} levels)") from None
    except (ValueError, TypeError) as error:  # e.g. an integer with too many digits
        raise InferenceError(f"{what} Parse error: {error}") from None


def dumps(value):
    """Encodes `value` (dicts, lists, numbers, numpy arrays) to JSON bytes.

    `NaN` / `Infinity` are written as such, as TF Serving does (orjson alone
    would write null), by the standard library on that rare path.
    """
    if _has_non_finite(value):
        return json.dumps(value, default=_plain).encode("utf-8")
    try:
        return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY, default=_default)
    except orjson.JSONEncodeError:
        return json.dumps(value, default=_plain).encode("utf-8")


def _has_non_finite(value):
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "f" and not np.isfinite(value).all()
    if isinstance(value, float):
        return not np.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_non_finite(v) for v in value)
    return False


def _default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    return _default(value)

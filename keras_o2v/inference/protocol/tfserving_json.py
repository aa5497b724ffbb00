"""TensorFlow Serving's REST `:predict` JSON rules (row and columnar formats).

Written from the documented behaviour of TF Serving's REST API
(https://www.tensorflow.org/tfx/serving/api_rest) and its parser,
tensorflow_serving/util/json_tensor.cc: a tensor's shape is taken from the first
element at each nesting level and every other list must match it, so ragged lists are refused
with "Encountered list at unexpected size"; in row format every instance must
give each input the same shape. Error messages follow TF Serving's wording so
clients see the same text from `o2v serve` and from the real server.
"""

import dataclasses
import json
from typing import Dict, Optional, Tuple

import numpy as np

from keras_o2v.inference.protocol import json_codec
from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v.serving_contract import SCORE_SIGNATURE

MAX_RANK = 32  # deeper lists than this are refused for inputs of unknown rank

_NUMPY_DTYPES = {"DT_INT64": np.int64, "DT_INT32": np.int32, "DT_FLOAT": np.float32,
                 "DT_DOUBLE": np.float64, "DT_BOOL": np.bool_}


@dataclasses.dataclass(frozen=True)
class TensorSpec:
    """A signature input: TF dtype name (`DT_INT64`) and shape (None for unknown dims)."""

    dtype: str
    shape: Tuple[Optional[int], ...]


@dataclasses.dataclass
class PredictRequest:
    """A parsed `:predict` body.

    Args:
        signature_name: the signature asked for (`serving_default` by default).
        inputs: input name -> numpy array.
        columnar: True for the `inputs` format (answered with `outputs`).
    """

    signature_name: str
    inputs: Dict[str, np.ndarray]
    columnar: bool


def parse_predict_request(body, signature_inputs, max_rows=None):
    """Parses and validates a `:predict` body against a signature's inputs.

    Args:
        body: raw bytes or str.
        signature_inputs: `callable(signature_name) -> {name: TensorSpec}`
            that raises `InferenceError` for an unknown signature, or a dict
            `{signature_name: {name: TensorSpec}}`.
        max_rows: more rows (instances, or the 0th dimension of a columnar
            input) than this get 413 (None: no limit).

    Returns:
        A `PredictRequest`.

    Raises:
        InferenceError: (400) with TF Serving's message for the problem.

    Example:
    >>> specs = {"in0": TensorSpec("DT_INT64", (None, None))}
    >>> parse_predict_request('{"signature_name": "embed_in0", "instances": [[1, 2]]}',
    ...                       lambda name: specs).inputs["in0"].shape
    (1, 2)
    """
    if isinstance(signature_inputs, dict):
        signature_inputs = _lookup(signature_inputs)
    if not body:
        raise InferenceError("JSON Parse error: The document is empty")
    doc = json_codec.loads(body)
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    fast = b"true" not in raw and b"false" not in raw
    if not isinstance(doc, dict):
        raise InferenceError(f"JSON Value: {_text(doc)} Is not object")
    signature_name = doc.get("signature_name", SCORE_SIGNATURE)
    if not isinstance(signature_name, str):
        raise InferenceError(f"JSON Value: {_text(doc)} not formatted correctly. "
                             f"'signature_name' key must be a string value.")
    signature_name = signature_name or SCORE_SIGNATURE
    specs = signature_inputs(signature_name)
    if "instances" in doc:
        if "inputs" in doc:
            raise InferenceError(f"JSON Value: {_text(doc)} Not formatted correctly expecting only "
                                 f"one of 'inputs' or 'instances' keys to exist ")
        instances = doc["instances"]
        if not isinstance(instances, list):
            raise InferenceError(f"JSON Value: {_text(doc)} Excepting 'instances' to be an "
                                 f"list/array")
        if not instances:
            raise InferenceError(f"JSON Value: {_text(doc)} No values in 'instances' array")
        _check_rows(len(instances), max_rows)
        inputs = _from_instances(instances, specs, fast)
        columnar = False
    elif "inputs" in doc:
        value = doc["inputs"]
        for column in (value.values() if _is_object(value) else [value]):
            _check_rows(len(column) if isinstance(column, list) else 1, max_rows)
        inputs = _from_inputs(value, specs, fast)
        columnar = True
    else:
        raise InferenceError("Missing 'inputs' or 'instances' key")
    for name, array in inputs.items():
        _check_rank(name, array, specs[name])
    return PredictRequest(signature_name, inputs, columnar)


def _lookup(specs_by_signature):
    def signature_inputs(name):
        if name not in specs_by_signature:
            raise InferenceError(f'Serving signature name: "{name}" not found in signature def')
        return specs_by_signature[name]
    return signature_inputs


def _check_rows(count, max_rows):
    if max_rows is not None and count > max_rows:
        raise InferenceError(f"The request holds {count} rows; the limit is {max_rows} per "
                             f"request (--max-rows). Split it into smaller requests.", status=413)


def format_predict_response(outputs, columnar):
    """The `:predict` response body for output arrays.

    Args:
        outputs: output name -> numpy array (batch first).
        columnar: answer with `outputs` (columnar) rather than `predictions` (row).

    Returns:
        A JSON-ready dict: one output gives a bare tensor, several give an
        object (columnar) or one object per instance (row).
    """
    names = sorted(outputs)
    if columnar:
        if len(names) == 1:
            return {"outputs": np.asarray(outputs[names[0]])}
        return {"outputs": {name: np.asarray(outputs[name]) for name in names}}
    if len(names) == 1:
        return {"predictions": np.asarray(outputs[names[0]])}
    sizes = {name: len(outputs[name]) for name in names}
    batch = sizes[names[0]]
    for name in names:
        if sizes[name] != batch:
            raise InferenceError(f"Tensor name: {name} has inconsistent batch size: {sizes[name]} "
                                 f"expecting: {batch}")
    columns = {name: np.asarray(outputs[name]).tolist() for name in names}
    return {"predictions": [{name: columns[name][i] for name in names} for i in range(batch)]}


def _from_instances(instances, specs, fast=True):
    arrays = _instances_fast(instances, specs) if fast else None
    if arrays is not None:
        return arrays
    names = sorted(specs)
    first_is_object = _is_object(instances[0])
    if not first_is_object and len(names) > 1:
        raise InferenceError("instances is a plain list, but expecting list of objects as "
                             "multiple input tensors required as per tensorinfo_map")
    values = {name: [] for name in names}
    shapes = {}
    for index, element in enumerate(instances):
        if first_is_object:
            if not _is_object(element):
                raise InferenceError(f"Expecting object but got list at item {index} of input list")
            for name, item in element.items():
                try:
                    _add_instance_item(item, name, specs, shapes, values)
                except InferenceError as error:
                    raise InferenceError(f"Failed to process element: {index} key: {name} of "
                                         f"'instances' list. Error: INVALID_ARGUMENT: {error}") from None
            if set(element) != set(names):
                raise InferenceError(f"Failed to process element: {index} of 'instances' list. "
                                     f"JSON object: {_text(element)} must only have keys: "
                                     f"{','.join(names)}")
        else:
            if _is_object(element):
                raise InferenceError(f"Expecting value/list but got object at item {index} of "
                                     f"input list")
            try:
                _add_instance_item(element, names[0], specs, shapes, values)
            except InferenceError as error:
                raise InferenceError(f"Failed to process element: {index} of 'instances' list. "
                                     f"Error: INVALID_ARGUMENT: {error}") from None
    return {name: np.asarray(values[name], _NUMPY_DTYPES[specs[name].dtype]).reshape(
        (len(instances),) + shapes[name]) for name in names}


def _instances_fast(instances, specs):
    """The stacked arrays of well-formed instances in a few numpy calls, or None."""
    names = sorted(specs)
    if all(type(item) is dict for item in instances):
        if any(len(item) != len(names) for item in instances):
            return None
        try:
            columns = {name: [item[name] for item in instances] for name in names}
        except KeyError:
            return None
    elif len(names) == 1 and not any(isinstance(item, dict) for item in instances):
        columns = {names[0]: instances}
    else:
        return None
    arrays = {}
    for name, column in columns.items():
        array = _fast_array(column, specs[name])
        if array is None:
            return None
        arrays[name] = array
    return arrays


def _fast_array(value, spec, fast=True):
    """`value` as a numpy array of `spec`'s dtype when it is dense and well typed, else None.

    numpy would read `true` as 1; bodies that hold a boolean take the exact path.
    """
    if not fast:
        return None
    try:
        array = np.asarray(value)
    except (ValueError, TypeError, OverflowError, RecursionError):
        return None
    if spec.shape is not None and array.ndim != len(spec.shape):
        return None
    kind = array.dtype.kind
    if spec.dtype in ("DT_INT64", "DT_INT32"):
        if kind != "i" or (array.size and spec.dtype == "DT_INT32" and (
                array.min() < -2**31 or array.max() >= 2**31)):
            return None
    elif spec.dtype in ("DT_FLOAT", "DT_DOUBLE"):
        if kind not in "if":
            return None
    elif spec.dtype != "DT_BOOL" or kind != "b":
        return None
    return array.astype(_NUMPY_DTYPES[spec.dtype], copy=False)


def _add_instance_item(item, name, specs, shapes, values):
    if name not in specs:
        raise InferenceError(f"JSON object: does not have named input: {name}")
    shape = _dense_shape(item)
    _check_depth(name, shape, specs[name], per_instance=True)
    flat = []
    _fill(item, 0, shape, specs[name].dtype, flat)
    if name not in shapes:
        shapes[name] = shape
    elif _size(shapes[name]) != _size(shape):
        raise InferenceError(f"Expecting tensor size: {_size(shapes[name])} but got: {_size(shape)}")
    elif shapes[name] != shape:
        raise InferenceError(f"Expecting shape {_shape_text(shapes[name])} but got: "
                             f"{_shape_text(shape)}")
    values[name].extend(flat)


def _from_inputs(value, specs, fast=True):
    names = sorted(specs)
    if not _is_object(value):
        if len(names) > 1:
            raise InferenceError("inputs is a plain value/list, but expecting an object as "
                                 "multiple input tensors required as per tensorinfo_map")
        return {names[0]: _tensor(value, specs[names[0]], names[0], fast)}
    inputs = {}
    for name in names:
        if name not in value:
            raise InferenceError(f"Missing named input: {name} in 'inputs' object.")
        inputs[name] = _tensor(value[name], specs[name], name, fast)
    return inputs


def _tensor(value, spec, name="input", fast=True):
    array = _fast_array(value, spec, fast)
    if array is not None:
        return array
    shape = _dense_shape(value)
    _check_depth(name, shape, spec)
    flat = []
    _fill(value, 0, shape, spec.dtype, flat)
    return np.asarray(flat, _NUMPY_DTYPES[spec.dtype]).reshape(shape)


def _check_depth(name, shape, spec, per_instance=False):
    """Refuses lists nested deeper than the input's rank (before any recursion over them)."""
    rank = MAX_RANK if spec.shape is None else len(spec.shape) - (1 if per_instance else 0)
    if len(shape) > rank:
        raise InferenceError(f"input '{name}' is nested {len(shape)} lists deep; the signature "
                             f"expects {'at most ' if spec.shape is None else ''}{rank}")


def _dense_shape(value):
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return tuple(shape)


def _fill(value, level, shape, dtype, out):
    if not isinstance(value, list):
        if level != len(shape):
            raise InferenceError(f"JSON Value: {_text(value)} found at incorrect level: "
                                 f"{level + 1} in the JSON DOM. Expected at level: {len(shape)}")
        out.append(_scalar(value, dtype))
        return
    if level >= len(shape):
        raise InferenceError(f"Encountered list at unexpected level: {level} expected < "
                             f"{len(shape)}")
    if len(value) != shape[level]:
        raise InferenceError(f"Encountered list at unexpected size: {len(value)} at level: "
                             f"{level} expected size: {shape[level]}")
    for item in value:
        _fill(item, level + 1, shape, dtype, out)


def _scalar(value, dtype):
    integer = type(value) is int
    if dtype == "DT_INT64" and integer and -2**63 <= value < 2**63:
        return value
    if dtype == "DT_INT32" and integer and -2**31 <= value < 2**31:
        return value
    if dtype in ("DT_FLOAT", "DT_DOUBLE") and (integer or type(value) is float):
        return value
    if dtype == "DT_BOOL" and type(value) is bool:
        return value
    raise InferenceError(f"JSON Value: {_text(value)} Type: {_json_type(value)} is not of "
                         f"expected type: {dtype[3:].lower()}")


def _check_rank(name, array, spec):
    expected = spec.shape
    if expected is None:
        return
    if array.ndim != len(expected) or any(
            want is not None and want != got for want, got in zip(expected, array.shape)):
        want = "[" + ",".join("-1" if d is None else str(d) for d in expected) + "]"
        raise InferenceError(f"input '{name}' has shape {_shape_text(array.shape)} but the "
                             f"signature expects {want}")


def _is_object(value):
    return isinstance(value, dict) and not (len(value) == 1 and isinstance(value.get("b64"), str))


def _size(shape):
    return int(np.prod(shape, dtype=np.int64)) if shape else 1


def _shape_text(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def _json_type(value):
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "True" if value else "False"
    return {dict: "Object", list: "Array", str: "String"}.get(type(value), "Number")


def _text(value, limit=200):
    try:
        text = json.dumps(value, separators=(",", ":"))
    except (RecursionError, ValueError, TypeError):
        return "<a deeply nested value>"
    return text if len(text) <= limit else text[:limit] + "..."

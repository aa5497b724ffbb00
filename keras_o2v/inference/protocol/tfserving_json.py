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

from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v.serving_contract import SCORE_SIGNATURE

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


def parse_predict_request(body, signature_inputs):
    """Parses and validates a `:predict` body against a signature's inputs.

    Args:
        body: raw bytes or str.
        signature_inputs: `callable(signature_name) -> {name: TensorSpec}`
            that raises `InferenceError` for an unknown signature.

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
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InferenceError(f"JSON Parse error: Invalid encoding in string. ({error})") from None
    if not body:
        raise InferenceError("JSON Parse error: The document is empty")
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as error:
        raise InferenceError(f"JSON Parse error: {error.msg} at offset: {error.pos}") from None
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
        inputs = _from_instances(instances, specs)
        columnar = False
    elif "inputs" in doc:
        inputs = _from_inputs(doc["inputs"], specs)
        columnar = True
    else:
        raise InferenceError("Missing 'inputs' or 'instances' key")
    for name, array in inputs.items():
        _check_rank(name, array, specs[name])
    return PredictRequest(signature_name, inputs, columnar)


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
            return {"outputs": np.asarray(outputs[names[0]]).tolist()}
        return {"outputs": {name: np.asarray(outputs[name]).tolist() for name in names}}
    if len(names) == 1:
        return {"predictions": np.asarray(outputs[names[0]]).tolist()}
    sizes = {name: len(outputs[name]) for name in names}
    batch = sizes[names[0]]
    for name in names:
        if sizes[name] != batch:
            raise InferenceError(f"Tensor name: {name} has inconsistent batch size: {sizes[name]} "
                                 f"expecting: {batch}")
    columns = {name: np.asarray(outputs[name]).tolist() for name in names}
    return {"predictions": [{name: columns[name][i] for name in names} for i in range(batch)]}


def _from_instances(instances, specs):
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


def _add_instance_item(item, name, specs, shapes, values):
    if name not in specs:
        raise InferenceError(f"JSON object: does not have named input: {name}")
    shape = _dense_shape(item)
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


def _from_inputs(value, specs):
    names = sorted(specs)
    if not _is_object(value):
        if len(names) > 1:
            raise InferenceError("inputs is a plain value/list, but expecting an object as "
                                 "multiple input tensors required as per tensorinfo_map")
        return {names[0]: _tensor(value, specs[names[0]])}
    inputs = {}
    for name in names:
        if name not in value:
            raise InferenceError(f"Missing named input: {name} in 'inputs' object.")
        inputs[name] = _tensor(value[name], specs[name])
    return inputs


def _tensor(value, spec):
    shape = _dense_shape(value)
    flat = []
    _fill(value, 0, shape, spec.dtype, flat)
    return np.asarray(flat, _NUMPY_DTYPES[spec.dtype]).reshape(shape)


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
    text = json.dumps(value, separators=(",", ":"))
    return text if len(text) <= limit else text[:limit] + "..."

"""SageMaker Object2Vec wire format: content types, `infer_max_seqlens`, accept.

As documented in
https://docs.aws.amazon.com/sagemaker/latest/dg/object2vec-inference-formats.html and
https://docs.aws.amazon.com/sagemaker/latest/dg/object2vec-encoder-embeddings.html.
"""

import json
import os

from keras_o2v.inference.protocol.errors import InferenceError

JSON = "application/json"
JSONLINES = "application/jsonlines"
_JSONLINES_ALIASES = {JSONLINES, "application/jsonl", "application/x-jsonlines"}
PREFERRED_MODES = ("classification", "embedding")


def parse_media_type(header):
    """Splits a Content-Type value into `(media_type, {param: value})`, lower-cased.

    Example:
    >>> parse_media_type("application/json; infer_max_seqlens=10,20")
    ('application/json', {'infer_max_seqlens': '10,20'})
    """
    parts = [part.strip() for part in (header or "").split(";")]
    params = {}
    for part in parts[1:]:
        if "=" in part:
            key, value = part.split("=", 1)
            params[key.strip().lower()] = value.strip().strip('"')
    return parts[0].lower(), params


def parse_max_seqlens(value):
    """Parses `infer_max_seqlens=<FWD>,<BCK>`: two integers in [1, 5000].

    Returns:
        `(max_len_in0, max_len_in1)`.
    """
    pieces = value.split(",")
    try:
        lengths = tuple(int(piece) for piece in pieces)
    except ValueError:
        lengths = ()
    if len(lengths) != 2 or not all(1 <= n <= 5000 for n in lengths):
        raise InferenceError(f"infer_max_seqlens={value!r} must be two integers in [1, 5000] "
                             f"separated by a comma: <FWD-LENGTH>,<BCK-LENGTH>")
    return lengths


def decode_request(body, content_type):
    """Decodes a `/invocations` body into JSON records and the truncation lengths.

    Args:
        body: the raw bytes.
        content_type: the Content-Type header (`application/json` or
            `application/jsonlines`, optionally with `infer_max_seqlens`).

    Returns:
        `(records, max_seqlens)`: the instances as decoded JSON and
        `(len0, len1)` or None.

    Raises:
        InferenceError: 415 for other content types, 400 for bad bodies (a bare
            JSON list is refused like SageMaker: "unable to evaluate payload provided").

    Example:
    >>> decode_request(b'{"instances": [{"in0": [1]}]}', "application/json")
    ([{'in0': [1]}], None)
    """
    media_type, params = parse_media_type(content_type)
    max_seqlens = None
    if "infer_max_seqlens" in params:
        max_seqlens = parse_max_seqlens(params["infer_max_seqlens"])
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InferenceError(f"request body is not UTF-8: {error}") from None
    if media_type == JSON:
        return _decode_json(text), max_seqlens
    if media_type in _JSONLINES_ALIASES:
        return _decode_jsonlines(text), max_seqlens
    raise InferenceError(f"Unsupported Content-Type {content_type!r}; use {JSON} or {JSONLINES}",
                         status=415)


def _decode_json(text):
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        raise InferenceError(f"unable to evaluate payload provided: malformed JSON: {error}") from None
    if not isinstance(payload, dict) or "instances" not in payload:
        got = "a JSON list" if isinstance(payload, list) else f"{type(payload).__name__}"
        if isinstance(payload, dict):
            got = "an object without 'instances'"
        raise InferenceError(
            f'unable to evaluate payload provided: expected {{"instances": [...]}}, got {got}')
    instances = payload["instances"]
    if not isinstance(instances, list):
        raise InferenceError("'instances' must be a list of instance objects")
    if not instances:
        raise InferenceError("No instances given: 'instances' is empty")
    return instances


def _decode_jsonlines(text):
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise InferenceError(f"line {number}: malformed JSON: {error}") from None
    if not records:
        raise InferenceError("No instances given: the JSON Lines body is empty")
    return records


def choose_accept(accept, default=JSON):
    """The response media type for an Accept header (`*/*` or none gives `default`).

    Raises:
        InferenceError: 406 when neither JSON nor JSON Lines is acceptable.
    """
    if not accept:
        return default
    for item in accept.split(","):
        media_type, _ = parse_media_type(item)
        if media_type in ("*/*", "application/*", ""):
            return default
        if media_type == JSON:
            return JSON
        if media_type in _JSONLINES_ALIASES:
            return JSONLINES
    raise InferenceError(f"Unsupported Accept {accept!r}; use {JSON} or {JSONLINES}", status=406)


def encode_response(results, accept):
    """Serialises `[{"scores": [...]}, ...]` as SageMaker does for `accept`.

    Returns:
        The body bytes: `{"predictions": [...]}` for JSON, one object per line
        for JSON Lines.
    """
    if accept == JSONLINES:
        return "".join(json.dumps(result) + "\n" for result in results).encode("utf-8")
    return json.dumps({"predictions": results}).encode("utf-8")


def preferred_mode(environ=None):
    """Reads `INFERENCE_PREFERRED_MODE` (`classification` or `embedding`, default None).

    The value only decides which signatures are warmed up first: every mode
    is always served (object2vec-encoder-embeddings.html).
    """
    value = (environ if environ is not None else os.environ).get("INFERENCE_PREFERRED_MODE")
    if value in (None, ""):
        return None
    if value.lower() not in PREFERRED_MODES:
        raise InferenceError(f"INFERENCE_PREFERRED_MODE={value!r} must be one of "
                             f"{', '.join(PREFERRED_MODES)}")
    return value.lower()

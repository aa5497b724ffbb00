"""SageMaker Object2Vec wire format: content types, `infer_max_seqlens`, accept.

As documented in
https://docs.aws.amazon.com/sagemaker/latest/dg/object2vec-inference-formats.html and
https://docs.aws.amazon.com/sagemaker/latest/dg/object2vec-encoder-embeddings.html.
"""

import os

from keras_o2v.inference.protocol import json_codec
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


def decode_request(body, content_type, max_rows=None):
    """Decodes a `/invocations` body into JSON records and the truncation lengths.

    Args:
        body: the raw bytes.
        content_type: the Content-Type header (`application/json` or
            `application/jsonlines`, optionally with `infer_max_seqlens`).
        max_rows: more instances than this get 413 (None: no limit).

    Returns:
        `(records, max_seqlens)`: the instances as decoded JSON and
        `(len0, len1)` or None.

    Raises:
        InferenceError: 415 for other content types, 400 for bad bodies (a bare
            JSON list is refused like SageMaker: "unable to evaluate payload provided"),
            413 for more than `max_rows` instances.

    Example:
    >>> decode_request(b'{"instances": [{"in0": [1]}]}', "application/json")
    ([{'in0': [1]}], None)
    """
    media_type, params = parse_media_type(content_type)
    max_seqlens = None
    if "infer_max_seqlens" in params:
        max_seqlens = parse_max_seqlens(params["infer_max_seqlens"])
    if media_type == JSON:
        records = _decode_json(body)
    elif media_type in _JSONLINES_ALIASES:
        records = _decode_jsonlines(body, max_rows)
    else:
        raise InferenceError(f"Unsupported Content-Type {content_type!r}; use {JSON} or "
                             f"{JSONLINES}", status=415)
    check_rows(len(records), max_rows)
    return records, max_seqlens


def check_rows(count, max_rows):
    """Raises `InferenceError` (413) when `count` instances exceed `max_rows`."""
    if max_rows is not None and count > max_rows:
        raise InferenceError(f"The request holds {count} instances; the limit is {max_rows} "
                             f"per request (--max-rows). Split it into smaller requests.",
                             status=413)


def _decode_json(body):
    try:
        payload = json_codec.loads(body)
    except InferenceError as error:
        raise InferenceError(f"unable to evaluate payload provided: malformed JSON: "
                             f"{error.message}") from None
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


def _decode_jsonlines(body, max_rows=None):
    records = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json_codec.loads(line, what="JSON"))
        except InferenceError as error:
            raise InferenceError(f"line {number}: malformed JSON: {error.message}") from None
        check_rows(len(records), max_rows)
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


def encode_response(results, accept, chunk_rows=256):
    """Serialises `[{"scores": [...]}, ...]` as SageMaker does for `accept`.

    Large answers are written `chunk_rows` results at a time, so a thread
    encoding them gives up the interpreter lock between chunks.

    Returns:
        The body bytes: `{"predictions": [...]}` for JSON, one object per line
        for JSON Lines.
    """
    chunks = [results[start:start + chunk_rows] for start in range(0, len(results), chunk_rows)]
    if accept == JSONLINES:
        return b"".join(b"".join(json_codec.dumps(result) + b"\n" for result in chunk)
                        for chunk in chunks)
    parts = [json_codec.dumps(chunk)[1:-1] for chunk in chunks]
    return b'{"predictions":[' + b",".join(parts) + b"]}"


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

"""Answer bodies built a segment of rows at a time, as a list of byte parts.

Encoding a 10^6-row answer in one piece builds millions of Python objects at once:
the cyclic garbage collector then walks them with the interpreter lock held, freeing
them holds it again, and joining the text copies hundreds of megabytes, each a stall
of hundreds of milliseconds for `/ping` and every other request. Here the rows are
assembled and encoded `SEGMENT_ROWS` at a time, each segment's objects freed before
the next, and the body is returned as parts that `responses.send_parts` writes one
after the other. The parts joined are byte for byte what the one-piece encoding
writes (`encode_response(assemble(...))`, `dumps(format_predict_response(...))`);
where that cannot be guaranteed (a shape this module does not know, non-finite
values, which the one-piece encoding writes with the standard library), the body is
encoded in one piece.

Example:
>>> parts = invocations_parts(count, batches, outputs, "application/json")  # doctest: +SKIP
>>> b"".join(parts) == encode_response(assemble(count, batches, outputs), "application/json")
True
"""

import dataclasses

import numpy as np

from keras_o2v.inference.protocol import json_codec
from keras_o2v.inference.protocol.batching import assemble
from keras_o2v.inference.protocol.sagemaker import JSONLINES, encode_response
from keras_o2v.inference.protocol.tfserving_json import format_predict_response

SEGMENT_ROWS = 4096  # a multiple of encode_response's 256-row chunks, so the text is the same
_PREDICTIONS = b'{"predictions":['
_CLOSE = b"]}"


def invocations_parts(count, batches, outputs, accept, deadline=None, segment_rows=SEGMENT_ROWS):
    """The `/invocations` answer body as parts (one part up to `segment_rows` instances).

    Args:
        count: instances in the request.
        batches: the request's `SignatureBatch`es (positions ascending in each).
        outputs: per batch, `{output name: rows}` (arrays or lists).
        accept: the answer's media type.
        deadline: a `work.Deadline` checked before each segment, or None.
        segment_rows: instances per segment.

    Returns:
        A list of bytes whose concatenation is the body.
    """
    if count <= segment_rows:
        return [encode_response(assemble(count, batches, outputs), accept)]
    starts = list(range(0, count, segment_rows)) + [count]
    positions = [np.asarray(batch.positions) for batch in batches]
    bounds = [np.searchsorted(rows, starts) for rows in positions]
    parts = []
    for segment, (start, end) in enumerate(zip(starts[:-1], starts[1:])):
        if deadline is not None:
            deadline.check()
        segment_batches, segment_outputs = [], []
        for batch, rows, edges, output in zip(batches, positions, bounds, outputs):
            low, high = int(edges[segment]), int(edges[segment + 1])
            if high > low:
                segment_batches.append(dataclasses.replace(
                    batch, positions=(rows[low:high] - start).tolist()))
                segment_outputs.append({key: value[low:high] for key, value in output.items()})
        body = encode_response(assemble(end - start, segment_batches, segment_outputs), accept)
        if accept == JSONLINES:
            parts.append(body)
            continue
        if not (body.startswith(_PREDICTIONS) and body.endswith(_CLOSE)):
            return [encode_response(assemble(count, batches, outputs), accept)]
        inner = body[len(_PREDICTIONS):-len(_CLOSE)]
        parts.append(_PREDICTIONS + inner if segment == 0 else b"," + inner)
    if accept != JSONLINES:
        parts.append(_CLOSE)
    return parts


def predict_parts(outputs, columnar, deadline=None, segment_rows=SEGMENT_ROWS):
    """The TF Serving `:predict` answer body for output arrays, as parts.

    Args:
        outputs: output name -> numpy array, batch first.
        columnar: `outputs` (columnar) rather than `predictions` (row) format.
        deadline: a `work.Deadline` checked before each segment, or None.
        segment_rows: rows per segment.

    Returns:
        A list of bytes whose concatenation is `dumps(format_predict_response(outputs, columnar))`.
    """
    rows = _rows(outputs)
    if rows <= segment_rows:
        return [json_codec.dumps(format_predict_response(outputs, columnar))]
    names = sorted(outputs)
    key = "outputs" if columnar else "predictions"
    if columnar and len(names) > 1:  # {"outputs": {name: [...], ...}}: each name in segments
        parts = [b'{"outputs":{']
        for index, name in enumerate(names):
            head = (b"," if index else b"") + json_codec.dumps(name) + b":["
            encoded = _segments(lambda s, e, name=name: {key: {name: outputs[name][s:e]}},
                                rows, b'{"outputs":{' + json_codec.dumps(name) + b":[",
                                b"]}}", deadline, segment_rows)
            if encoded is None:
                return [json_codec.dumps(format_predict_response(outputs, columnar))]
            parts.extend([head] + encoded + [b"]"])
        parts.append(b"}}")
        return parts
    encoded = _segments(
        lambda s, e: format_predict_response({n: outputs[n][s:e] for n in names}, columnar),
        rows, b'{"' + key.encode() + b'":[', _CLOSE, deadline, segment_rows)
    if encoded is None:
        return [json_codec.dumps(format_predict_response(outputs, columnar))]
    return [b'{"' + key.encode() + b'":['] + encoded + [_CLOSE]


def _rows(outputs):
    """The common batch size of `outputs` when they can be encoded in segments, else 0."""
    sizes = set()
    for value in outputs.values():
        if not isinstance(value, np.ndarray) or value.ndim == 0 or not value.flags.c_contiguous:
            return 0
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            return 0  # written by the standard library in one piece, as json_codec does
        sizes.add(len(value))
    return sizes.pop() if len(sizes) == 1 else 0


def _segments(payload, rows, prefix, suffix, deadline, segment_rows):
    """The inner text of `payload(start, end)` for consecutive segments, comma-separated."""
    parts = []
    for start in range(0, rows, segment_rows):
        if deadline is not None:
            deadline.check()
        body = json_codec.dumps(payload(start, min(start + segment_rows, rows)))
        if not (body.startswith(prefix) and body.endswith(suffix)):
            return None
        inner = body[len(prefix):len(body) - len(suffix)]
        parts.append(b"," + inner if start else inner)
    return parts

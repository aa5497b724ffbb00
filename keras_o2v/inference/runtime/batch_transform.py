"""Batch transform: JSON Lines of instances in, one answer line per instance out, in order."""

import json
import sys

from keras_o2v.atomic_files import atomic_write
from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v.inference.protocol.instances import parse_instance


class BatchTransformError(InferenceError):
    """Raised in strict mode on the first bad line; `problems` lists `(line, message)`."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(f"line {line}: {message}" for line, message in problems))


def batch_transform(runner, input_path, output_path, batch_size=256, strict=False,
                    report=None):
    """Streams `input_path` through `runner` into `output_path` (written atomically).

    Each non-blank input line gets one output line, in order: `{"scores": [...]}`
    for an instance with `in0` and `in1`, `{"embeddings": [...]}` for one with a
    single input, and `{"error": "..."}` for a bad line (which is also reported
    by number). Lines are batched `batch_size` at a time, so memory does not
    grow with the file.

    Args:
        runner: a `SavedModelRunner` (its hyperparameters validate ids).
        input_path: JSON Lines file of SageMaker instances.
        output_path: where to write; it appears only when complete.
        batch_size: instances per model call.
        strict: stop at the first bad line (no output is written).
        report: `callable(line_number, message)` for bad lines (default: stderr).

    Returns:
        `(lines_answered, problems)` where `problems` is a list of `(line, message)`.

    Raises:
        BatchTransformError: in strict mode, on the first bad line.

    Example:
    >>> batch_transform(SavedModelRunner("models/o2v/1"), "in.jsonl", "out.jsonl")  # doctest: +SKIP
    (1000, [])
    """
    if report is None:
        def report(line, message):
            print(f"{input_path}:{line}: {message}", file=sys.stderr)
    problems, answered = [], 0
    with atomic_write(output_path) as out, open(input_path, "rb") as source:
        pending = []
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                entry = parse_instance(_decode(line), f"line {number}", runner.hyperparameters)
            except InferenceError as error:
                message = error.message.split(": ", 1)[-1]
                if strict:
                    raise BatchTransformError([(number, message)]) from None
                problems.append((number, message))
                report(number, message)
                entry = {"error": f"line {number}: {message}"}
            pending.append(entry)
            if len(pending) >= batch_size:
                answered += _flush(runner, pending, out)
        answered += _flush(runner, pending, out)
    return answered, problems


def _decode(line):
    try:
        return json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InferenceError(f"line: malformed JSON: {error}") from None


def _flush(runner, pending, out):
    if not pending:
        return 0
    positions = [i for i, entry in enumerate(pending) if not isinstance(entry, dict)]
    results = runner.predict_instances([pending[i] for i in positions]) if positions else []
    for position, result in zip(positions, results):
        pending[position] = result
    out.write("".join(json.dumps(entry) + "\n" for entry in pending))
    count = len(pending)
    pending.clear()
    return count

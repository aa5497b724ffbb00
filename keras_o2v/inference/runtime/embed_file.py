"""Embeds a JSON Lines file of objects into a vectors file for the neighbour tools."""

import json

import numpy as np

from keras_o2v.atomic_files import atomic_write
from keras_o2v.data.json_lines import read_json_lines
from keras_o2v.data.token_ids import sequence_problem
from keras_o2v.errors import DataError
from keras_o2v.serving_contract import EMBEDDINGS, INPUT_NAMES


def embed_file(model, input_path, output_path, batch_size=1024):
    """Writes `{"id": ..., "embeddings": [...]}` for each object line, in order.

    Each input line holds one object, `{"id": "doc7", "in0": [ids]}` or
    `{"id": 12, "in1": [ids]}`: `in0` lines go through enc0, `in1` lines through
    enc1. `id` is optional (the 1-based line number is used). The whole file is
    checked first; any bad line (malformed JSON, both or neither of in0/in1, ids
    that are not integers in `[0, vocab_size)`, an empty list) is reported with
    its line number and nothing is written. Lines are embedded in batches, and
    the output file appears only when complete. The key is `embeddings`, as in
    `o2v predict` and the servers' answers. The output is what
    `o2v neighbors --vectors/--queries` and `keras_o2v.neighbors.read_vectors` read.

    Args:
        model: a trained `keras_o2v.Object2Vec`.
        input_path: JSON Lines of objects.
        output_path: the vectors file to write.
        batch_size: objects per forward pass.

    Returns:
        The number of vectors written.

    Example:
    >>> embed_file(model, "movies.jsonl", "movie_vectors.jsonl")  # doctest: +SKIP
    1682
    """
    vocab_sizes = [model.hyperparameters.encoder(side).vocab_size for side in (0, 1)]
    problems = []
    for number, _, side, ids in _read_objects(input_path):
        message = sequence_problem(ids, side, vocab_sizes[side])
        if message:
            problems.append((input_path, number, message))
    for number, message in _parse_problems(input_path):
        problems.append((input_path, number, message))
    if problems:
        raise DataError(sorted(problems, key=lambda p: p[1]))

    count = 0
    with atomic_write(output_path) as out:
        batch = []
        for number, object_id, side, ids in _read_objects(input_path):
            batch.append((object_id if object_id is not None else number, side, ids))
            if len(batch) >= batch_size:
                count += _write_batch(model, batch, out)
                batch = []
        if batch:
            count += _write_batch(model, batch, out)
    return count


def _write_batch(model, batch, out):
    vectors = np.zeros((len(batch), 0), np.float32)
    for side in (0, 1):
        rows = [i for i, (_, s, _) in enumerate(batch) if s == side]
        if rows:
            embedded = model.embed(**{INPUT_NAMES[side]: [batch[i][2] for i in rows]})
            if vectors.shape[1] == 0:
                vectors = np.zeros((len(batch), embedded.shape[1]), np.float32)
            vectors[rows] = embedded
    for (object_id, _, _), vector in zip(batch, vectors):
        out.write(json.dumps({"id": object_id, EMBEDDINGS: [float(v) for v in vector]}) + "\n")
    return len(batch)


def _read_objects(path):
    """Yields `(line_number, id, side, ids)` for every well-formed line."""
    for number, record, _ in read_json_lines(path):
        if isinstance(record, dict):
            sides = [s for s in (0, 1) if INPUT_NAMES[s] in record]
            if len(sides) == 1:
                yield number, record.get("id"), sides[0], record[INPUT_NAMES[sides[0]]]


def _parse_problems(path):
    for number, record, problem in read_json_lines(path):
        if problem:
            yield number, problem
        elif not isinstance(record, dict):
            yield number, f"expected a JSON object, got {type(record).__name__}"
        else:
            present = [s for s in INPUT_NAMES if s in record]
            if len(present) != 1:
                yield number, ("give exactly one of 'in0' or 'in1' per line"
                               f" (found {', '.join(present) or 'neither'})")

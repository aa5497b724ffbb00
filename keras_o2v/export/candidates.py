"""The candidates file of a top-k export: `{"id": <int>, "in1": [token ids]}` per line.

Each line names one candidate object by an integer id of your choosing (an item id,
a document id; non-negative, unique) and gives its `in1` token ids, as a
training record's `in1`. `o2v export --candidates FILE` embeds them with enc1 and
freezes the matrix into the SavedModel.
"""

import dataclasses
import json

import numpy as np

from keras_o2v.data.json_lines import read_json_lines
from keras_o2v.data.token_ids import json_type_name, sequence_problem
from keras_o2v.errors import DataError
from keras_o2v.serving_contract import CANDIDATE_ID_KEY, INPUT_NAMES

_INT64_MAX = 2**63 - 1


@dataclasses.dataclass
class Candidates:
    """Candidate ids and their `in1` token id lists.

    Args:
        ids: int64 array `[n]`, unique and non-negative.
        sequences: list of `n` token id lists (for enc1).
    """

    ids: np.ndarray
    sequences: list

    def __post_init__(self):
        self.ids = np.asarray(self.ids, np.int64).reshape(-1)
        if len(self.ids) != len(self.sequences):
            raise ValueError(f"{len(self.ids)} candidate ids for {len(self.sequences)} sequences")
        if len(self.ids) == 0:
            raise ValueError("A top-k export needs at least one candidate")
        if (self.ids < 0).any():
            raise ValueError("Candidate ids must be non-negative (-1 marks an empty result slot)")
        unique, counts = np.unique(self.ids, return_counts=True)
        if (counts > 1).any():
            raise ValueError(f"Candidate id {int(unique[counts > 1][0])} appears more than once")


def read_candidates(path, hyperparameters=None):
    """Reads and validates a candidates file (JSON Lines).

    Args:
        path: the file.
        hyperparameters: when given, `in1` ids are checked against `enc1_vocab_size`.

    Returns:
        `Candidates`.

    Raises:
        DataError: every bad line, as `path:line: problem`.

    Example:
    >>> read_candidates("items.jsonl", hp).ids[:3]  # doctest: +SKIP
    array([101, 102, 205])
    """
    vocab = None if hyperparameters is None else hyperparameters.encoder(1).vocab_size
    key = INPUT_NAMES[1]
    ids, sequences, problems, first_line = [], [], [], {}
    for line in read_json_lines(path):
        number, record = line.number, line.record
        problem = line.problem or _record_problem(record, key, vocab)
        if problem is None and record[CANDIDATE_ID_KEY] in first_line:
            problem = (f"candidate id {record[CANDIDATE_ID_KEY]} already given on line "
                       f"{first_line[record[CANDIDATE_ID_KEY]]}")
        if problem:
            problems.append((path, number, problem))
            continue
        first_line[record[CANDIDATE_ID_KEY]] = number
        ids.append(record[CANDIDATE_ID_KEY])
        sequences.append(record[key])
    if problems:
        raise DataError(problems)
    if not ids:
        raise DataError([(path, 0, "no candidates; each line is {\"id\": <int>, \"in1\": [ids]}")])
    return Candidates(np.array(ids, np.int64), sequences)


def _record_problem(record, key, vocab):
    if not isinstance(record, dict):
        return f'expected an object {{"id": <int>, "{key}": [ids]}}, got {json_type_name(record)}'
    unknown = sorted(set(record) - {CANDIDATE_ID_KEY, key})
    if unknown:
        return f"unknown key(s) {', '.join(map(repr, unknown))}; a candidate has 'id' and '{key}'"
    if CANDIDATE_ID_KEY not in record or key not in record:
        return f"a candidate needs 'id' and '{key}'"
    value = record[CANDIDATE_ID_KEY]
    if type(value) is not int or not 0 <= value <= _INT64_MAX:
        return f"'id' must be a non-negative integer, got {json.dumps(value)[:40]}"
    return sequence_problem(record[key], 1, vocab)

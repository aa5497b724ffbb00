"""Streaming reader of Object2Vec JSON Lines records into validated numpy chunks.

A record is `{"label": <int class | float score>, "in0": [ids], "in1": [ids]}`
(SageMaker's training data format). Files are read line by line in chunks of `chunk_size` records, so
memory does not depend on file size. Every problem found is reported with its
file and line; a chunk with problems is never yielded, so nothing is dropped
silently. Checks that touch every token id are vectorized with numpy.
"""

import dataclasses
import json
import math
import os
from typing import Any, Callable

import numpy as np

from keras_o2v.data.fast_parse import parse_well_formed
from keras_o2v.data.token_ids import id_problem, out_of_range, sequence_shape_problem
from keras_o2v.errors import DataError

DEFAULT_CHUNK_SIZE = 4096


@dataclasses.dataclass
class RecordChunk:
    """A block of parsed records as flat numpy arrays (ragged rows by lengths).

    Args:
        in0_values, in1_values: int64 token ids of all rows, concatenated.
        in0_lengths, in1_lengths: int64 number of ids per row.
        labels: int64 class ids, float32 scores, or None when labels are absent.
    """

    in0_values: np.ndarray
    in0_lengths: np.ndarray
    in1_values: np.ndarray
    in1_lengths: np.ndarray
    labels: np.ndarray

    def __len__(self):
        return len(self.in0_lengths)


@dataclasses.dataclass(frozen=True)
class ChannelPart:
    """Some of a channel's records: what `select` keeps of each chunk as it streams by.

    Accepted wherever a channel is (`iter_chunks`, `make_dataset`, `validate_files`,
    `Object2Vec.adapt`, ranking metrics): a validation hold-out is the part of the
    train channel that `keras_o2v.data.holdout.HoldOut` holds out, and the train
    channel the rest (`HoldOut.part`).

    Args:
        channel: a file, a folder of shards, or a list of them.
        select: `RecordChunk -> RecordChunk`, applied to every chunk read.
    """

    channel: Any
    select: Callable


def channel_files(path_or_paths):
    """Lists the files of a channel: files as given, folders as their sorted shards.

    Args:
        path_or_paths: a file, a folder of JSON Lines shards, a list of these, or a
            `ChannelPart` (the files of its channel). Hidden files (starting with `.`)
            in folders are skipped.

    Returns:
        A list of file paths.
    """
    if isinstance(path_or_paths, ChannelPart):
        return channel_files(path_or_paths.channel)
    paths = [path_or_paths] if isinstance(path_or_paths, (str, os.PathLike)) else path_or_paths
    files = []
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            shards = sorted(
                os.path.join(path, name)
                for name in os.listdir(path)
                if not name.startswith(".") and os.path.isfile(os.path.join(path, name))
            )
            if not shards:
                raise DataError([(path, 0, "channel folder holds no files")])
            files.extend(shards)
        elif os.path.isfile(path):
            files.append(path)
        else:
            raise DataError([(path, 0, "no such file or folder")])
    if not files:
        raise DataError([("<channel>", 0, "no input files given")])
    return files


class RecordParser:
    """Parses and validates lines against one model's hyperparameters.

    Args:
        hyperparameters: a `keras_o2v.Hyperparameters`.
        require_label: training records need `label`; inference records do not.
    """

    def __init__(self, hyperparameters, require_label=True):
        self.require_label = require_label
        self.classification = hyperparameters.is_classification
        self.num_classes = hyperparameters.num_classes
        self.encoders = (hyperparameters.encoder(0), hyperparameters.encoder(1))

    def parse(self, lines, path, first_line_number):
        """Parses `lines` (bytes or str) into a `RecordChunk`.

        Raises:
            DataError: listing every bad line of the block with its number.
        """
        lines = list(lines)  # read twice when the fast path declines
        fast = parse_well_formed(lines, self)
        if fast is not None:
            (values0, lengths0), (values1, lengths1), labels = fast
            return self._chunk(values0, lengths0, values1, lengths1, labels)
        problems = []
        flat = ([], [])
        lengths = ([], [])
        labels = []
        line_of_row = []
        for offset, line in enumerate(lines):
            number = first_line_number + offset
            if not line.strip():
                continue
            message = self._parse_line(line, flat, lengths, labels)
            if message:
                problems.append((path, number, message))
            else:
                line_of_row.append(number)
        arrays = []
        for side in (0, 1):
            values, side_problems = self._check_ids(side, flat[side], lengths[side], line_of_row, path)
            problems.extend(side_problems)
            arrays.append(values)
        if problems:
            raise DataError(sorted(problems, key=lambda p: p[1]))
        label_array = None
        if self.require_label:
            label_array = np.asarray(labels, np.int64 if self.classification else np.float32)
        return self._chunk(arrays[0], lengths[0], arrays[1], lengths[1], label_array)

    def _chunk(self, values0, lengths0, values1, lengths1, labels):
        """The `RecordChunk` of valid columns, each side truncated to its `max_seq_len`."""
        max0, max1 = (settings.max_seq_len for settings in self.encoders)
        lengths0, lengths1 = np.asarray(lengths0, np.int64), np.asarray(lengths1, np.int64)
        return RecordChunk(
            in0_values=_truncate(values0, lengths0, max0),
            in0_lengths=np.minimum(lengths0, max0),
            in1_values=_truncate(values1, lengths1, max1),
            in1_lengths=np.minimum(lengths1, max1),
            labels=labels,
        )

    def _parse_line(self, line, flat, lengths, labels):
        try:
            record = json.loads(line, object_pairs_hook=_object_without_repeated_keys)
        except _RepeatedKey as repeated:
            return f"repeated key {repeated.key!r}: a record gives each key once"
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            return f"malformed JSON: {error}"
        if not isinstance(record, dict):
            return f"expected a JSON object, got {type(record).__name__}"
        keys = ("in0", "in1", "label") if self.require_label else ("in0", "in1")
        missing = [key for key in keys if key not in record]
        if missing:
            return "missing key(s) " + ", ".join(repr(k) for k in missing)
        sequences = (record["in0"], record["in1"])
        for side, ids in enumerate(sequences):
            problem = sequence_shape_problem(ids, side)
            if problem:
                return problem
            boolean = next((i for i in ids if type(i) is bool), None)
            if boolean is not None:
                return id_problem(boolean, side)
        if self.require_label:
            label, message = self._check_label(record["label"])
            if message:
                return message
        for side, ids in enumerate(sequences):
            flat[side].extend(ids)
            lengths[side].append(len(ids))
        if self.require_label:
            labels.append(label)
        return None

    def _check_label(self, label):
        if isinstance(label, bool) or not isinstance(label, (int, float)):
            return None, f"'label' must be a number, got {json.dumps(label)}"
        if not math.isfinite(label):
            return None, f"'label' must be finite, got {label}"
        if not self.classification:
            return float(label), None
        if label != int(label) or not 0 <= label < self.num_classes:
            return None, (
                f"'label' {label} is not a class id in [0, {self.num_classes}) "
                f"(num_classes={self.num_classes})"
            )
        return int(label), None

    def _check_ids(self, side, flat, lengths, line_of_row, path):
        settings = self.encoders[side]
        try:
            values = np.asarray(flat) if flat else np.zeros([0], np.int64)
        except (OverflowError, ValueError, TypeError):
            values = None
        if values is None or values.dtype.kind != "i":
            return None, self._slow_type_problems(side, flat, lengths, line_of_row, path)
        values = values.astype(np.int64, copy=False)
        bad = out_of_range(values, settings.vocab_size)
        problems = []
        if bad.any():
            rows = np.repeat(np.arange(len(lengths)), lengths)[bad]
            for row, token in zip(rows, values[bad]):
                message = id_problem(int(token), side, settings.vocab_size,
                                     settings.describe("vocab_size"))
                problems.append((path, line_of_row[row], message))
        return values, _first_per_line(problems)

    def _slow_type_problems(self, side, flat, lengths, line_of_row, path):
        settings = self.encoders[side]
        problems, start = [], 0
        for row, length in enumerate(lengths):
            for token in flat[start:start + length]:
                message = id_problem(token, side, settings.vocab_size,
                                     settings.describe("vocab_size"))
                if message:
                    problems.append((path, line_of_row[row], message))
                    break
            start += length
        return problems


class _RepeatedKey(Exception):
    def __init__(self, key):
        super().__init__(key)
        self.key = key


def _object_without_repeated_keys(pairs):
    """`json.loads` keeps the last of repeated keys silently; a record must not have them."""
    record = dict(pairs)
    if len(record) != len(pairs):
        seen = set()
        raise _RepeatedKey(next(key for key, _ in pairs if key in seen or seen.add(key)))
    return record


def _first_per_line(problems):
    seen, out = set(), []
    for problem in problems:
        if problem[1] not in seen:
            seen.add(problem[1])
            out.append(problem)
    return out


def _truncate(values, lengths, max_len):
    lengths = np.asarray(lengths, np.int64)
    if len(lengths) == 0 or lengths.max() <= max_len:
        return values
    starts = np.cumsum(lengths) - lengths
    position = np.arange(len(values)) - np.repeat(starts, lengths)
    return values[position < max_len]


def iter_chunks(path_or_paths, hyperparameters, require_label=True,
                chunk_size=DEFAULT_CHUNK_SIZE, collect_problems=None):
    """Yields validated `RecordChunk`s from a channel, streaming.

    Args:
        path_or_paths: file, folder of shards, list of them, or a `ChannelPart`
            (only its records are yielded; chunks it leaves empty are skipped).
        hyperparameters: a `keras_o2v.Hyperparameters`.
        require_label: whether `label` is required.
        chunk_size: lines per chunk.
        collect_problems: a list; when given, problems are appended there and
            the bad lines are left out of the chunk instead of raising (the
            validator and non-strict batch prediction report them this way).

    Raises:
        DataError: on the first chunk with problems, unless `collect_problems`.
    """
    if isinstance(path_or_paths, ChannelPart):
        for chunk in iter_chunks(path_or_paths.channel, hyperparameters, require_label,
                                 chunk_size, collect_problems):
            chunk = path_or_paths.select(chunk)
            if len(chunk):
                yield chunk
        return
    parser = RecordParser(hyperparameters, require_label=require_label)
    for path in channel_files(path_or_paths):
        with open(path, "rb") as f:
            block, first = [], 1
            for number, line in enumerate(f, start=1):
                if not block:
                    first = number
                block.append(line)
                if len(block) >= chunk_size:
                    chunk = _parse_block(parser, block, path, first, collect_problems)
                    if chunk is not None:
                        yield chunk
                    block = []
            if block:
                chunk = _parse_block(parser, block, path, first, collect_problems)
                if chunk is not None:
                    yield chunk


def _parse_block(parser, block, path, first, collect_problems):
    try:
        chunk = parser.parse(block, path, first)
    except DataError as error:
        if collect_problems is None:
            raise
        collect_problems.extend(error.problems)
        bad = {line for _, line, _ in error.problems}
        kept = [b"" if first + i in bad else line for i, line in enumerate(block)]
        chunk = parser.parse(kept, path, first)
    return chunk if len(chunk) else None

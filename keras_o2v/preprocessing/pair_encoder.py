"""Turning raw pair records into Object2Vec training records of ids, a batch at a time."""

import collections
import dataclasses
import json
import math
import re

import numpy as np

from keras_o2v.preprocessing.lengths import length_percentiles
from keras_o2v.preprocessing.tokenizer import as_text_preprocessor
from keras_o2v.text.reserved import UNK, UNK_ID

INPUT_TYPES = ("text", "category", "ids")
LABEL_TYPES = ("number", "class")
_ID_SEPARATORS = re.compile(r"[\s,]+")


@dataclasses.dataclass(frozen=True)
class InputSpec:
    """How one raw column becomes an encoder input (`in0` or `in1`).

    Args:
        name: output key, `"in0"` or `"in1"`.
        column: name of the raw column (JSON key or TSV header field).
        type: `"text"` (tokenized, tokens mapped through a vocabulary),
            `"category"` (the whole value is one key, mapped through an id map, e.g.
            a user or item id) or `"ids"` (already integer ids, passed through).
        map_path: the vocabulary / id-map file for `text` and `category`; inputs
            naming the same file share one map.
    """

    name: str
    column: str
    type: str = "text"
    map_path: str = None

    def __post_init__(self):
        if self.type not in INPUT_TYPES:
            raise ValueError(f"{self.name}: type must be one of {INPUT_TYPES}, got {self.type!r}")
        if self.type != "ids" and not self.map_path:
            raise ValueError(f"{self.name}: a {self.type} input needs a map_path")


@dataclasses.dataclass
class InputStats:
    """What was seen of one input while encoding: lengths (before any cut), unknown
    keys, the largest id, and how many records were cut to the maximum length."""

    lengths: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    unknown: int = 0
    total: int = 0
    max_id: int = 0
    truncated: int = 0

    @property
    def max_length(self):
        return max(self.lengths, default=0)

    def percentiles(self):
        """`{"p50": ..., "p95": ..., "max": ...}` of the lengths."""
        return length_percentiles(self.lengths)


class PairEncoder:
    """Parses, validates and encodes raw pair records, a batch at a time.

    A raw record (see `read_raw_records`) holds the input columns and a label. Text
    values are turned into ids by a `keras_o2v.text.TextPreprocessor` (one TensorFlow
    call per batch and vocabulary; a JSON list of strings is taken as already
    tokenized and only looked up); category values (a string, or an integer in JSON)
    are one key each; ids values are a JSON list of non-negative integers or a single
    integer, or in TSV a string such as `"3 17 5"`, `"3,17,5"` or `"[3, 17, 5]"`.
    Labels must be finite numbers (in TSV, text that parses as one; integers stay
    integers), or with `label_type="class"` class names mapped through `label_map`.

    Tokens and keys missing from their map get the map's `<unk>` id (text tokens: id 1,
    or a hashed bucket with `oov_buckets`); with a map that has no `<unk>`, they are a
    problem. Empty inputs are a problem. The encoder never keeps records; it only
    accumulates `InputStats`.

    Args:
        inputs: list of `InputSpec` (normally in0 and in1).
        label_column: raw column of the label, or None to write records without one.
        maps: dict map_path -> {token: id}; needed by `encode`, not by `parse`.
        tokenizer: the `TextPreprocessor` (or `Tokenizer`) whose standardisation and
            pattern split texts; defaults to the default `TextPreprocessor()`.
        oov_buckets: hashed ids after the vocabulary's for text tokens it lacks
            (default: the tokenizer's).
        label_type: `"number"` or `"class"`.
        label_map: dict class name -> id, for `label_type="class"` (needed by `encode`).
        max_lengths: optional dict input name -> the most ids to keep.

    Example:
    >>> encoder = PairEncoder(
    ...     [InputSpec("in0", "in0", "text", "v.json"), InputSpec("in1", "in1", "ids")],
    ...     maps={"v.json": {"<pad>": 0, "<unk>": 1, "a": 2}})
    >>> from keras_o2v.preprocessing.raw_records import RawRecord
    >>> encoder.encode(RawRecord(1, {"in0": "A b", "in1": [7], "label": 1}))
    ({'label': 1, 'in0': [2, 1], 'in1': [7]}, [])
    """

    def __init__(self, inputs, label_column="label", maps=None, tokenizer=None, oov_buckets=None,
                 label_type="number", label_map=None, max_lengths=None):
        if label_type not in LABEL_TYPES:
            raise ValueError(f"label_type must be one of {LABEL_TYPES}, got {label_type!r}")
        self.inputs = list(inputs)
        self.label_column = label_column
        self.preprocessor = as_text_preprocessor(tokenizer)
        self.oov_buckets = self.preprocessor.oov_buckets if oov_buckets is None else oov_buckets
        self.label_type = label_type
        self.label_map = label_map
        self.max_lengths = dict(max_lengths or {})
        self.stats = {spec.name: InputStats() for spec in self.inputs}
        self.maps = {} if maps is None else maps

    @property
    def maps(self):
        return self._maps

    @maps.setter
    def maps(self, maps):
        self._maps = maps
        self._lookups = {}

    def lookup_layer(self, map_path):
        """The `TextPreprocessor` that turns texts into the ids of a text map."""
        if map_path not in self._lookups:
            from keras_o2v.text import TextPreprocessor

            self._lookups[map_path] = TextPreprocessor(
                self.maps[map_path], pattern=self.preprocessor.pattern,
                lowercase=self.preprocessor.lowercase, oov_buckets=self.oov_buckets)
        return self._lookups[map_path]

    # --- single records ---
    def parse(self, record):
        """Returns `(pieces, label, problems)` for a raw record.

        `pieces` maps each input name to its list of tokens, keys or ids; `problems`
        lists messages (empty when the record is valid).
        """
        return self.parse_batch([record])[0]

    def encode(self, record):
        """Returns `(output_record or None, problems)` for a raw record."""
        return self.encode_batch([record])[0]

    # --- batches ---
    def parse_batch(self, records):
        """`parse` of every record, texts tokenized in one call."""
        rows = [self._fields(record) for record in records]
        jobs = self._text_jobs(rows)
        if jobs:
            tokens = self.preprocessor.token_lists([text for _, _, text in jobs])
            for (index, spec, _), row_tokens in zip(jobs, tokens):
                self._set_text(rows[index], spec, row_tokens)
        return rows

    def count_batch(self, records, counters, label_counts=None):
        """Counts the tokens and keys of records into `counters` (map_path -> Counter).

        Records with problems add nothing. Returns `[(line, problems)]` of those.
        """
        rows = [self._fields(record) for record in records]
        jobs = self._text_jobs(rows)
        if jobs:
            ragged = self.preprocessor.tokenize([text for _, _, text in jobs])
            lengths = ragged.row_lengths().numpy()
            for (index, spec, _), length in zip(jobs, lengths):
                if not length:
                    rows[index][2].append(f"{spec.column!r}: text has no tokens")
                rows[index][0][spec.name] = None  # counted from the flat tokens below
            flat = ragged.flat_values.numpy()
            owner = np.repeat(np.arange(len(lengths)), lengths)
            valid = np.array([not rows[index][2] for index, _, _ in jobs], dtype=bool)
            paths = np.array([spec.map_path for _, spec, _ in jobs], dtype=object)
            for path in set(paths[valid].tolist()):
                if path not in counters:
                    continue
                chosen = flat[(valid & (paths == path))[owner]] if flat.size else flat
                if chosen.size:
                    unique, numbers = np.unique(chosen, return_counts=True)
                    for token, number in zip(unique.tolist(), numbers.tolist()):
                        counters[path][token.decode("utf-8")] += number
        bad = []
        for record, (pieces, label, problems) in zip(records, rows):
            if problems:
                bad.append((record.line, problems))
                continue
            for spec in self.inputs:
                if spec.map_path in counters and pieces[spec.name] is not None:
                    counters[spec.map_path].update(pieces[spec.name])
            if label_counts is not None and self.label_column is not None:
                label_counts[label] += 1
        return bad

    def encode_batch(self, records):
        """`encode` of every record: a list of `(output_record or None, problems)`."""
        rows = [self._fields(record) for record in records]
        ids = {}  # (row index, input name) -> ids of texts and token lists
        for spec in self.inputs:
            if spec.type != "text":
                continue
            texts = [(i, row[0][spec.name]) for i, row in enumerate(rows)
                     if not row[2] and isinstance(row[0].get(spec.name), str)]
            lists = [(i, row[0][spec.name]) for i, row in enumerate(rows)
                     if not row[2] and isinstance(row[0].get(spec.name), list)]
            layer = self.lookup_layer(spec.map_path)
            if texts:
                for (i, _), row_ids in zip(texts, layer.id_lists([t for _, t in texts])):
                    ids[i, spec.name] = row_ids
            if lists:
                for (i, _), row_ids in zip(lists, layer.lookup([t for _, t in lists]).to_list()):
                    ids[i, spec.name] = row_ids
        return [self._encode_row(i, row, ids) for i, row in enumerate(rows)]

    def _encode_row(self, index, row, text_ids):
        values, label, problems = row
        if problems:
            return None, problems
        output = {} if self.label_column is None else {"label": label}
        if self.label_type == "class" and self.label_column is not None:
            if label not in self.label_map:
                known = ", ".join(sorted(self.label_map)[:10])
                return None, [f"{self.label_column!r}: class {label!r} is not in the label map "
                              f"({known}{', ...' if len(self.label_map) > 10 else ''})"]
            output["label"] = self.label_map[label]
        for spec in self.inputs:
            stats = self.stats[spec.name]
            value = values[spec.name]
            if spec.type == "ids":
                ids = value
            elif spec.type == "category":
                mapping = self.maps[spec.map_path]
                unknown_id = mapping.get(UNK)
                ids = [mapping.get(key, unknown_id) for key in value]
                if unknown_id is None and None in ids:
                    problems.append(f"{spec.column!r}: {value[:5]} not in {spec.map_path}, "
                                    f"which has no {UNK!r} entry")
                    continue
                stats.unknown += ids.count(unknown_id)
            else:
                ids = text_ids[index, spec.name]
                if not ids:
                    problems.append(f"{spec.column!r}: text has no tokens")
                    continue
                unknown = self._unknown_text_ids(spec, value, ids, problems)
                if unknown is None:
                    continue
                stats.unknown += unknown
            stats.total += len(ids)
            stats.lengths[len(ids)] += 1
            stats.max_id = max(stats.max_id, max(ids))
            limit = self.max_lengths.get(spec.name)
            if limit is not None and len(ids) > limit:
                stats.truncated += 1
                ids = ids[:limit]
            output[spec.name] = ids
        if problems:
            return None, problems
        return output, []

    def _unknown_text_ids(self, spec, value, ids, problems):
        """How many ids are for tokens the map lacks; None (and a problem) when the map
        has no `<unk>` for them."""
        layer = self.lookup_layer(spec.map_path)
        first = layer.first_oov_id
        unknown = sum(1 for i in ids if i == UNK_ID or i >= first)
        if unknown and not self.oov_buckets and UNK not in self.maps[spec.map_path]:
            tokens = value if isinstance(value, list) else self.preprocessor.token_lists([value])[0]
            mapping = self.maps[spec.map_path]
            missing = sorted({token for token in tokens if token not in mapping})
            problems.append(f"{spec.column!r}: {missing[:5]} not in {spec.map_path}, "
                            f"which has no {UNK!r} entry")
            return None
        if isinstance(value, list):  # a given "<unk>" token is in the map: not unknown
            unknown -= value.count(UNK)
        return unknown

    # --- parsing fields ---
    def _fields(self, record):
        """`(values, label, problems)`: text values as given (str or token list)."""
        if record.problem is not None:
            return {}, None, [record.problem]
        problems = []
        pieces = {}
        for spec in self.inputs:
            if spec.column not in record.fields:
                problems.append(f"missing column {spec.column!r}")
                continue
            value = record.fields[spec.column]
            try:
                pieces[spec.name] = _PARSERS[spec.type](self, value, record.typed)
            except ValueError as error:
                problems.append(f"{spec.column!r}: {error}")
        label = None
        if self.label_column is not None:
            if self.label_column not in record.fields:
                problems.append(f"missing column {self.label_column!r}")
            else:
                try:
                    value = record.fields[self.label_column]
                    label = (_parse_class(value, record.typed) if self.label_type == "class"
                             else _parse_label(value, record.typed))
                except ValueError as error:
                    problems.append(f"{self.label_column!r}: {error}")
        return pieces, label, problems

    def _text_jobs(self, rows):
        """`(row index, spec, text)` of every text value still to tokenize."""
        return [(index, spec, row[0][spec.name]) for index, row in enumerate(rows)
                for spec in self.inputs
                if spec.type == "text" and isinstance(row[0].get(spec.name), str)]

    @staticmethod
    def _set_text(row, spec, tokens):
        if not tokens and row[0].get(spec.name) is not None:
            row[2].append(f"{spec.column!r}: text has no tokens")
        row[0][spec.name] = tokens

    def _text(self, value, typed):
        if isinstance(value, list) and typed:
            if not all(isinstance(token, str) for token in value):
                raise ValueError("a tokenized text must be a list of strings")
            if not value:
                raise ValueError("text has no tokens")
            return value
        if isinstance(value, str):
            return value  # tokenized with the batch
        raise ValueError(f"expected text, got {_describe(value)}")

    def _category(self, value, typed):
        if isinstance(value, int) and not isinstance(value, bool) and typed:
            return [str(value)]
        if not isinstance(value, str):
            raise ValueError(f"expected a category key (string or integer), got {_describe(value)}")
        key = value.strip()
        if not key:
            raise ValueError("empty category key")
        return [key]

    def _ids(self, value, typed):
        if not typed or isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    value = json.loads(text)
                except json.JSONDecodeError:
                    raise ValueError(f"cannot parse ids {text!r}") from None
            else:
                try:
                    value = [int(part) for part in _ID_SEPARATORS.split(text) if part]
                except ValueError:
                    raise ValueError(f"cannot parse ids {text!r}") from None
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list) or not value:
            raise ValueError(f"expected a non-empty list of ids, got {_describe(value)}")
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int) or item < 0:
                raise ValueError(f"ids must be non-negative integers, got {item!r}")
        return value


_PARSERS = {"text": PairEncoder._text, "category": PairEncoder._category, "ids": PairEncoder._ids}


def _parse_label(value, typed):
    if not typed or isinstance(value, str):
        if not isinstance(value, str):
            raise ValueError(f"expected a number, got {_describe(value)}")
        text = value.strip()
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"label {text!r} is not a number") from None
        if typed:
            raise ValueError(f"label must be a JSON number, got the string {text!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"label must be a number, got {_describe(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"label must be finite, got {value}")
    return value


def _parse_class(value, typed):
    """A class name: a string (stripped), or in JSON an integer (as its decimal string)."""
    if typed and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a class name (string or integer), got {_describe(value)}")
    name = value.strip()
    if not name:
        raise ValueError("empty class name")
    return name


def _describe(value):
    text = json.dumps(value) if not isinstance(value, float) or math.isfinite(value) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."

"""Turning one raw pair record into an Object2Vec training record of ids."""

import collections
import dataclasses
import json
import math
import re

from keras_o2v.preprocessing.tokenizer import Tokenizer
from keras_o2v.preprocessing.vocabulary import UNK

INPUT_TYPES = ("text", "category", "ids")
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
    """What was seen of one input while encoding: lengths, unknown keys, largest id."""

    lengths: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    unknown: int = 0
    total: int = 0
    max_id: int = 0

    @property
    def max_length(self):
        return max(self.lengths, default=0)


class PairEncoder:
    """Parses, validates and encodes raw pair records, one at a time.

    A raw record (see `read_raw_records`) holds the input columns and a label. Text
    values are tokenized (a JSON list of strings is taken as already tokenized);
    category values (a string, or an integer in JSON) are one key each; ids values
    are a JSON list of non-negative integers or a single integer, or in TSV a string
    such as `"3 17 5"`, `"3,17,5"` or `"[3, 17, 5]"`. Labels must be finite numbers
    (in TSV, text that parses as one; integers stay integers).

    Tokens and keys missing from their map get the map's `<unk>` id; with a map
    that has no `<unk>`, they are a problem. Empty inputs are a problem. The encoder
    never keeps records; it only accumulates `InputStats`.

    Args:
        inputs: list of `InputSpec` (normally in0 and in1).
        label_column: raw column of the label, or None to write records without one.
        maps: dict map_path -> {token: id}; needed by `encode`, not by `parse`.
        tokenizer: callable str -> list of str; defaults to `Tokenizer()`.

    Example:
    >>> encoder = PairEncoder(
    ...     [InputSpec("in0", "in0", "text", "v.json"), InputSpec("in1", "in1", "ids")],
    ...     maps={"v.json": {"<pad>": 0, "<unk>": 1, "a": 2}})
    >>> from keras_o2v.preprocessing.raw_records import RawRecord
    >>> encoder.encode(RawRecord(1, {"in0": "A b", "in1": [7], "label": 1}))
    ({'label': 1, 'in0': [2, 1], 'in1': [7]}, [])
    """

    def __init__(self, inputs, label_column="label", maps=None, tokenizer=None):
        self.inputs = list(inputs)
        self.label_column = label_column
        self.maps = {} if maps is None else maps
        self.tokenizer = tokenizer or Tokenizer()
        self.stats = {spec.name: InputStats() for spec in self.inputs}

    def parse(self, record):
        """Returns `(pieces, label, problems)` for a raw record.

        `pieces` maps each input name to its list of tokens, keys or ids; `problems`
        lists messages (empty when the record is valid).
        """
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
                    label = _parse_label(record.fields[self.label_column], record.typed)
                except ValueError as error:
                    problems.append(f"{self.label_column!r}: {error}")
        return pieces, label, problems

    def encode(self, record):
        """Returns `(output_record or None, problems)` for a raw record."""
        pieces, label, problems = self.parse(record)
        if problems:
            return None, problems
        output = {} if self.label_column is None else {"label": label}
        for spec in self.inputs:
            values = pieces[spec.name]
            stats = self.stats[spec.name]
            if spec.type == "ids":
                ids = values
            else:
                mapping = self.maps[spec.map_path]
                unknown_id = mapping.get(UNK)
                ids = [mapping.get(key, unknown_id) for key in values]
                if unknown_id is None and None in ids:
                    missing = sorted({key for key in values if key not in mapping})
                    problems.append(
                        f"{spec.column!r}: {missing[:5]} not in {spec.map_path}, "
                        f"which has no {UNK!r} entry"
                    )
                    continue
                stats.unknown += ids.count(unknown_id)
            stats.total += len(ids)
            stats.lengths[len(ids)] += 1
            stats.max_id = max(stats.max_id, max(ids))
            output[spec.name] = ids
        if problems:
            return None, problems
        return output, []

    def _text(self, value, typed):
        if isinstance(value, list) and typed:
            if not all(isinstance(token, str) for token in value):
                raise ValueError("a tokenized text must be a list of strings")
            tokens = value
        elif isinstance(value, str):
            tokens = self.tokenizer(value)
        else:
            raise ValueError(f"expected text, got {_describe(value)}")
        if not tokens:
            raise ValueError("text has no tokens")
        return tokens

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


def _describe(value):
    text = json.dumps(value) if not isinstance(value, float) or math.isfinite(value) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."

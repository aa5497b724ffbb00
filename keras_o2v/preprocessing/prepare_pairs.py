"""Preparing Object2Vec training JSON Lines from raw pairs, in two streaming passes."""

import collections
import dataclasses
import json
import os

from keras_o2v.atomic_files import atomic_write
from keras_o2v.data.json_lines import iter_lines
from keras_o2v.errors import DataError, O2VError
from keras_o2v.preprocessing.pair_encoder import InputSpec, PairEncoder
from keras_o2v.preprocessing.raw_records import detect_format, read_raw_records
from keras_o2v.preprocessing.vocabulary import PAD, UNK, save_vocabulary, vocabulary_from_counts
from keras_o2v.pretrained import load_vocab

MAP_MODES = ("reuse", "rebuild", "extend")
MAX_PROBLEMS = 1000


@dataclasses.dataclass
class MapReport:
    """What happened to one vocabulary / id map file."""

    path: str
    action: str  # "built", "extended", "reused" or "rebuilt"
    size: int  # ids in use: largest id + 1
    added: int = 0  # ids added by this run


@dataclasses.dataclass
class PrepareReport:
    """The outcome of `prepare_pairs`.

    Attributes:
        output_path: the training JSON Lines file written.
        records: number of records written.
        maps: list of `MapReport`, one per vocabulary / id map file.
        inputs: dict input name -> `InputStats` (lengths, unknown keys, largest id).
        vocab_sizes: dict input name -> the `enc*_vocab_size` its ids need.
    """

    output_path: str
    records: int
    maps: list
    inputs: dict
    vocab_sizes: dict

    def hyperparameters(self):
        """Suggested `enc*_vocab_size` and `enc*_max_seq_len` for `o2v train`."""
        values = {}
        for name, stats in self.inputs.items():
            prefix = "enc" + name[len("in"):]
            values[f"{prefix}_vocab_size"] = max(2, self.vocab_sizes[name])
            values[f"{prefix}_max_seq_len"] = min(5000, max(1, stats.max_length))
        return values


def prepare_pairs(
    input_path,
    output_path,
    *,
    vocab_path=None,
    in0_type="text",
    in1_type="text",
    in0_column="in0",
    in1_column="in1",
    label_column="label",
    in0_map=None,
    in1_map=None,
    id_map_dir=None,
    input_format=None,
    min_count=1,
    max_vocab=None,
    maps="reuse",
    tokenizer=None,
):
    """Writes Object2Vec training records from raw pairs (JSON Lines or TSV).

    Each raw row holds the two inputs and a label, e.g. the JSON line
    `{"in0": "a soccer game", "in1": "men playing sport", "label": 1}` or a TSV row
    under a header `in0<TAB>in1<TAB>label`; it becomes the line
    `{"label": 1, "in0": [5, 9, 12], "in1": [7, 14, 3]}`.

    Inputs of type `text` are tokenized and mapped through a vocabulary (by default
    `vocab_path`, shared by both inputs); inputs of type `category` (user ids, item
    keys) map their whole value through an id map, by default
    `<id_map_dir>/<column>.ids.json` with `id_map_dir` defaulting to the output's
    directory; `ids` inputs are passed through after validation. Every map is a JSON
    object key -> id with `<pad>`=0 and `<unk>`=1 reserved (the vocab-file format of
    `enc*_vocab_file`), and new keys are numbered by count (descending) then key.
    `min_count` and `max_vocab` apply to text vocabularies; id maps keep every key.

    Existing map files decide the ids, so re-running (or preparing validation and
    test data with the training maps) gives the same ids. `maps` says what to do
    with a map file that exists: `"reuse"` it unchanged (keys not in it become
    `<unk>`=1; a map without `<unk>` makes them errors), `"extend"` it with the new
    keys (existing ids never change) or `"rebuild"` it from this input. A missing
    map file is built.

    Everything streams: pass 1 (only when a map is built or extended) counts keys,
    pass 2 encodes and writes; memory holds the counts, never the records. Every
    bad row is reported in one `DataError` (file and line; up to 1000 listed) and
    then nothing is written. The output and the map files are written atomically.

    Args:
        input_path: raw pairs, `.jsonl` or `.tsv` (optionally `.gz`).
        output_path: training JSON Lines to write.
        vocab_path: vocabulary file for text inputs.
        in0_type: `"text"`, `"category"` or `"ids"`.
        in1_type: as `in0_type`.
        in0_column: raw column of in0.
        in1_column: raw column of in1.
        label_column: raw column of the label; None writes records without label.
        in0_map: map file for in0, overriding the defaults above.
        in1_map: map file for in1; the same file as in0 means a shared map.
        id_map_dir: directory of the default category id maps.
        input_format: `"jsonl"` or `"tsv"`; None guesses from the extension or
            the first line.
        min_count: minimum count for a token to enter a text vocabulary.
        max_vocab: maximum size of a text vocabulary (reserved ids included).
        maps: `"reuse"`, `"extend"` or `"rebuild"`, for existing map files.
        tokenizer: callable str -> list of str; defaults to `Tokenizer()`.

    Returns:
        A `PrepareReport`.

    Raises:
        DataError: bad rows (all listed) or a bad existing map file.
        O2VError: inconsistent arguments (e.g. a text input without a vocabulary).

    Example:
    >>> report = prepare_pairs("raw.tsv", "train.jsonl", vocab_path="vocab.json",
    ...                        in1_type="category")  # doctest: +SKIP
    >>> report.hyperparameters()  # doctest: +SKIP
    {'enc0_vocab_size': 9412, 'enc0_max_seq_len': 41, 'enc1_vocab_size': 1684, ...}
    """
    input_path, output_path = os.fspath(input_path), os.fspath(output_path)
    if maps not in MAP_MODES:
        raise O2VError(f"maps must be one of {MAP_MODES}, got {maps!r}")
    if not os.path.isfile(input_path):
        raise DataError([(input_path, 0, "input file not found")])
    id_map_dir = id_map_dir or os.path.dirname(os.path.abspath(output_path))
    specs = [
        _spec("in0", in0_column, in0_type, in0_map, vocab_path, id_map_dir),
        _spec("in1", in1_column, in1_type, in1_map, vocab_path, id_map_dir),
    ]
    input_format = input_format or detect_format(input_path, _first_line(input_path))

    mapped = {spec.map_path: spec.type for spec in specs if spec.map_path}
    loaded, to_count = {}, {}
    for path in mapped:
        exists = os.path.exists(path)
        if exists and maps != "rebuild":
            loaded[path] = _load_map(path)
        if not exists or maps != "reuse":
            to_count[path] = collections.Counter()

    encoder = PairEncoder(specs, label_column=label_column, tokenizer=tokenizer)
    if to_count:
        _count_pass(input_path, input_format, encoder, to_count)

    final_maps, reports = {}, []
    for path, kind in mapped.items():
        base = loaded.get(path)
        if path in to_count:
            text = kind == "text" or any(s.type == "text" and s.map_path == path for s in specs)
            final_maps[path] = vocabulary_from_counts(
                to_count[path],
                min_count=min_count if text else 1,
                max_size=max_vocab if text else None,
                base=base,
            )
            if base is not None:
                action = "extended"
            else:
                action = "rebuilt" if os.path.exists(path) else "built"
        else:
            final_maps[path], action = base, "reused"
        size = max(final_maps[path].values(), default=-1) + 1
        added = len(final_maps[path]) - (len(base) if base is not None else 0)
        reports.append(MapReport(path, action, size, added if action != "reused" else 0))
    encoder.maps = final_maps

    with atomic_write(output_path) as handle:
        records = _write_pass(input_path, input_format, encoder, handle)
        for report in reports:
            if report.action != "reused":
                save_vocabulary(final_maps[report.path], report.path)

    vocab_sizes = {}
    for spec in specs:
        if spec.type == "ids":
            vocab_sizes[spec.name] = encoder.stats[spec.name].max_id + 1
        else:
            vocab_sizes[spec.name] = max(final_maps[spec.map_path].values()) + 1
    return PrepareReport(output_path, records, reports, dict(encoder.stats), vocab_sizes)


def _spec(name, column, kind, map_path, vocab_path, id_map_dir):
    if kind == "text" and not (map_path or vocab_path):
        raise O2VError(f"{name} is text: give a vocabulary file (vocab_path or {name}_map)")
    if kind == "text":
        map_path = map_path or vocab_path
    elif kind == "category":
        map_path = map_path or os.path.join(id_map_dir, f"{column}.ids.json")
    else:
        map_path = None
    try:
        return InputSpec(name, column, kind, os.fspath(map_path) if map_path else None)
    except ValueError as error:
        raise O2VError(str(error)) from None


def _load_map(path):
    mapping = load_vocab(path)
    zero = [token for token, token_id in mapping.items() if token_id == 0 and token != PAD]
    if zero:
        raise DataError(
            [(path, 0, f"id 0 is reserved for padding, but token {zero[0]!r} has it")]
        )
    if UNK in mapping and mapping[UNK] != 1:
        raise DataError([(path, 0, f"{UNK!r} must have id 1, has {mapping[UNK]}")])
    return mapping


def _first_line(path):
    for _, text, _ in iter_lines(path):
        if text and text.strip():
            return text
    return None


def _records(input_path, input_format):
    return read_raw_records(iter_lines(input_path), input_format)


def _count_pass(input_path, input_format, encoder, counters):
    problems = _Problems(input_path)
    for record in _records(input_path, input_format):
        pieces, _, messages = encoder.parse(record)
        if messages:
            problems.add(record.line, messages)
            continue
        for spec in encoder.inputs:
            if spec.map_path in counters:
                counters[spec.map_path].update(pieces[spec.name])
    problems.raise_if_any()


def _write_pass(input_path, input_format, encoder, handle):
    problems = _Problems(input_path)
    records = 0
    for record in _records(input_path, input_format):
        output, messages = encoder.encode(record)
        if messages:
            problems.add(record.line, messages)
        elif not problems:
            handle.write(json.dumps(output, ensure_ascii=False) + "\n")
            records += 1
    problems.raise_if_any()
    if records == 0:
        raise DataError([(input_path, 0, "no records found")])
    return records


class _Problems:
    """Collects row problems, listing at most MAX_PROBLEMS of them."""

    def __init__(self, path):
        self.path = path
        self.listed = []
        self.count = 0

    def add(self, line, messages):
        for message in messages:
            self.count += 1
            if len(self.listed) < MAX_PROBLEMS:
                self.listed.append((self.path, line, message))

    def __bool__(self):
        return self.count > 0

    def raise_if_any(self):
        if self.count > len(self.listed):
            more = self.count - len(self.listed)
            self.listed.append((self.path, 0, f"{more} more problem(s) not listed"))
        if self.listed:
            raise DataError(self.listed, limit=MAX_PROBLEMS + 1)

"""Preparing Object2Vec training JSON Lines from raw pairs, in two streaming passes."""

import collections
import contextlib
import dataclasses
import json
import os
from typing import Dict, List, Optional

from keras_o2v.atomic_files import atomic_write
from keras_o2v.data.json_lines import iter_lines
from keras_o2v.errors import DataError, O2VError
from keras_o2v.preprocessing.batches import batched
from keras_o2v.preprocessing.map_files import MAP_MODES, MapReport, action_of, check_map_mode, load_map
from keras_o2v.preprocessing.pair_encoder import LABEL_TYPES, InputSpec, InputStats, PairEncoder
from keras_o2v.preprocessing.pretrained_vectors import read_vector_lines, write_vector_lines
from keras_o2v.preprocessing.problems import Problems, raise_problems
from keras_o2v.preprocessing.raw_records import detect_format, first_line, read_raw_records
from keras_o2v.preprocessing.text_options import TextOptions, resolve_text_options, same_settings
from keras_o2v.preprocessing.tokenizer import Tokenizer, as_text_preprocessor
from keras_o2v.text.settings_file import (
    TextSettings,
    settings_path,
    write_settings,
)
from keras_o2v.text.vocabulary import check_text_vocabulary, save_vocabulary, vocabulary_from_counts

__all__ = ["MAP_MODES", "MapReport", "PrepareReport", "PreparedFile", "prepare_pairs"]
MAX_SEQ_LEN = 5000  # SageMaker's largest encN_max_seq_len


@dataclasses.dataclass
class PreparedFile:
    """One input file and the training file written from it."""

    input_path: str
    output_path: str
    records: int
    inputs: Dict[str, InputStats]  # input name -> lengths, unknown keys, largest id


@dataclasses.dataclass
class PretrainedReport:
    """The trimmed vector file: where, how many vectors, their dimension."""

    path: str
    vectors: int
    dim: int
    added: int  # vocabulary tokens added because they have a vector


@dataclasses.dataclass
class PrepareReport:
    """The outcome of `prepare_pairs`.

    Attributes:
        output_path: the training JSON Lines file written from the first input.
        records: number of records written from the first input.
        maps: list of `MapReport`, one per vocabulary / id map file.
        inputs: dict input name -> `InputStats` of the first input.
        vocab_sizes: dict input name -> the `enc*_vocab_size` its ids need.
        files: a `PreparedFile` per input, in order (the first is the training input).
        max_lengths: dict input name -> the maximum length records were cut to, where given.
        label_map: dict class name -> label id (`label_type="class"`), else None.
        label_map_path: the file of `label_map`.
        text_settings: the `text_preprocessing.json` files written or kept.
        pretrained: a `PretrainedReport`, when vectors were trimmed.
    """

    output_path: str
    records: int
    maps: list
    inputs: dict
    vocab_sizes: dict
    files: List[PreparedFile] = dataclasses.field(default_factory=list)
    max_lengths: dict = dataclasses.field(default_factory=dict)
    label_map: Optional[dict] = None
    label_map_path: Optional[str] = None
    text_settings: list = dataclasses.field(default_factory=list)
    pretrained: Optional[PretrainedReport] = None

    def hyperparameters(self):
        """Suggested `enc*_vocab_size` and `enc*_max_seq_len` (and `num_classes`) for `o2v train`."""
        values = {}
        for name, stats in self.inputs.items():
            prefix = "enc" + name[len("in"):]
            values[f"{prefix}_vocab_size"] = max(2, self.vocab_sizes[name])
            values[f"{prefix}_max_seq_len"] = suggested_length(stats, self.max_lengths.get(name))
        if self.label_map is not None:
            values["num_classes"] = max(2, max(self.label_map.values(), default=0) + 1)
        return values


def suggested_length(stats, limit=None):
    """`encN_max_seq_len` for an input: the length records were cut to, else the longest
    (at most SageMaker's 5000)."""
    return limit if limit is not None else min(MAX_SEQ_LEN, max(1, stats.max_length))


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
    pattern=None,
    lowercase=None,
    oov_buckets=None,
    header=True,
    label_type="number",
    label_map=None,
    max_lengths=None,
    pretrained=None,
    pretrained_output=None,
):
    """Writes Object2Vec training records from raw pairs (JSON Lines or TSV).

    Each raw row holds the two inputs and a label, e.g. the JSON line
    `{"in0": "a soccer game", "in1": "men playing sport", "label": 1}` or a TSV row
    under a header `in0<TAB>in1<TAB>label`; it becomes the line
    `{"label": 1, "in0": [5, 9, 12], "in1": [7, 14, 3]}`.

    Inputs of type `text` are turned into ids by `keras_o2v.text.TextPreprocessor`
    (the layer a model uses on text: standardisation, the RE2 token `pattern`, the
    vocabulary `vocab_path` shared by both inputs by default, `<unk>` or
    `oov_buckets`), and `text_preprocessing.json` is written beside the vocabulary;
    inputs of type `category` (user ids, item keys) map their whole value through an
    id map, by default `<id_map_dir>/<column>.ids.json` with `id_map_dir` defaulting
    to the output's directory; `ids` inputs are passed through after validation.
    Every map is a JSON object key -> id with `<pad>`=0 and `<unk>`=1 reserved (the
    vocab-file format of `enc*_vocab_file`), and new keys are numbered by count
    (descending) then key. `min_count` and `max_vocab` apply to text vocabularies;
    id maps keep every key.

    Several inputs (e.g. train, validation and test) can be given at once: the
    vocabularies and maps are built from the first one, and every input is encoded
    with them. With `pretrained` (a GloVe or word2vec text file), tokens of any
    input that have a vector are added to the text vocabulary (after the tokens of
    the first input) and the vectors of the vocabulary are written to
    `pretrained_output`, so frozen vectors also cover the validation and test words.

    Existing map files decide the ids, so re-running (or preparing validation and
    test data with the training maps) gives the same ids, with the tokenisation saved
    in `text_preprocessing.json`. `maps` says what to do with a map file that
    exists: `"reuse"` it unchanged (keys not in it become `<unk>`=1; a map without
    `<unk>` makes them errors), `"extend"` it with the new keys (existing ids never
    change) or `"rebuild"` it from this input. A missing map file is built.

    Everything streams: pass 1 (when a map is built or extended, or vectors are
    trimmed) counts keys, pass 2 encodes and writes; memory holds the counts, never
    the records. Every bad row is reported in one `DataError` (file and line; up to
    1000 per file listed) and then nothing is written. The outputs and the map files
    are written atomically.

    Args:
        input_path: raw pairs, `.jsonl` or `.tsv` (optionally `.gz`), or a list of
            them (the first builds the maps).
        output_path: training JSON Lines to write, or a list (one per input).
        vocab_path: vocabulary file for text inputs.
        in0_type: `"text"`, `"category"` or `"ids"`.
        in1_type: as `in0_type`.
        in0_column: raw column of in0 (with `header=False`, a column number from 1).
        in1_column: raw column of in1.
        label_column: raw column of the label; None writes records without label.
        in0_map: map file for in0, overriding the defaults above.
        in1_map: map file for in1; the same file as in0 means a shared map.
        id_map_dir: directory of the default category id maps and label map.
        input_format: `"jsonl"` or `"tsv"`; None guesses from the extension or
            the first line.
        min_count: minimum count for a token to enter a text vocabulary.
        max_vocab: maximum size of the text vocabulary built from the first input
            (reserved ids included); tokens with a pretrained vector come on top.
        maps: `"reuse"`, `"extend"` or `"rebuild"`, for existing map files.
        tokenizer: a `Tokenizer` or `TextPreprocessor` giving `pattern` and
            `lowercase` (and `oov_buckets`); other callables are refused.
        pattern: the token pattern: `"words"` (default), `"alphanumeric"` or RE2.
        lowercase: lowercase texts (default True).
        oov_buckets: hashed ids after the vocabulary's for tokens it lacks (default 0).
            `pattern`, `lowercase` and `oov_buckets` default to the values saved
            with an existing vocabulary, and must agree with them.
        header: whether TSV files start with a header row; without one, columns are
            named by number from 1 (`in0_column="1"`).
        label_type: `"number"` (labels are numbers) or `"class"` (class names,
            mapped to ids 0, 1, ... in name order, the map saved as `label_map`).
        label_map: the class map file (default `<id_map_dir>/<label_column>.classes.json`).
        max_lengths: optional dict input name -> the most ids to keep (the first
            ones); recorded in `text_preprocessing.json`.
        pretrained: optional GloVe / word2vec text vector file.
        pretrained_output: the trimmed vector file (default: beside the vocabulary,
            `<vocabulary name>.vectors.txt`).

    Returns:
        A `PrepareReport`.

    Raises:
        DataError: bad rows (all listed) or a bad existing map file.
        O2VError: inconsistent arguments (e.g. a text input without a vocabulary).

    Example:
    >>> report = prepare_pairs(["train.tsv", "dev.tsv"], ["train.jsonl", "dev.jsonl"],
    ...                        vocab_path="vocab.json", in1_type="category")  # doctest: +SKIP
    >>> report.hyperparameters()  # doctest: +SKIP
    {'enc0_vocab_size': 9412, 'enc0_max_seq_len': 41, 'enc1_vocab_size': 1684, ...}
    """
    inputs, outputs = _paths(input_path, "input_path"), _paths(output_path, "output_path")
    if len(inputs) != len(outputs):
        raise O2VError(f"{len(inputs)} inputs but {len(outputs)} outputs: give one output per input")
    check_map_mode(maps)
    if label_type not in LABEL_TYPES:
        raise O2VError(f"label_type must be one of {LABEL_TYPES}, got {label_type!r}")
    for path in inputs:
        if not os.path.isfile(path):
            raise DataError([(path, 0, "input file not found")])
    id_map_dir = id_map_dir or os.path.dirname(os.path.abspath(outputs[0]))
    specs = [
        _spec("in0", in0_column, in0_type, in0_map, vocab_path, id_map_dir),
        _spec("in1", in1_column, in1_type, in1_map, vocab_path, id_map_dir),
    ]
    max_lengths = _checked_lengths(max_lengths)
    formats = [input_format or detect_format(path, first_line(path)) for path in inputs]
    _check_columns(formats, header, specs, label_column)
    text_paths = sorted({spec.map_path for spec in specs if spec.type == "text"})
    if pretrained is not None and not text_paths:
        raise O2VError("pretrained vectors need a text input")
    options = _text_options(tokenizer, pattern, lowercase, oov_buckets, text_paths, maps)
    preprocessor = _preprocessor(options)

    mapped = {spec.map_path: spec.type for spec in specs if spec.map_path}
    loaded, to_count = {}, {}
    for path in mapped:
        exists = os.path.exists(path)
        if exists and maps != "rebuild":
            loaded[path] = load_map(path)
            if path in text_paths:
                _check_text_map(loaded[path], path)
        if not exists or maps != "reuse":
            to_count[path] = collections.Counter()
    labels = _LabelMap(label_type, label_map, label_column, id_map_dir, maps)

    encoder = PairEncoder(specs, label_column=label_column, tokenizer=preprocessor,
                          oov_buckets=options.oov_buckets, label_type=label_type,
                          max_lengths=max_lengths)
    all_counts = {path: collections.Counter() for path in text_paths} if pretrained else {}
    if to_count or labels.counts is not None or all_counts:
        problems = []
        for index, (path, kind) in enumerate(zip(inputs, formats)):
            counters = dict(all_counts)
            if index == 0:
                counters = {**to_count, **{p: c for p, c in all_counts.items() if p not in to_count}}
            if index == 0 or all_counts:
                problems.append(_count_pass(path, kind, header, encoder, counters,
                                            labels.counts if index == 0 else None))
        raise_problems(problems)
        if all_counts:  # the first input's counts went to to_count (or to all_counts)
            for path in text_paths:
                if path in to_count:
                    all_counts[path].update(to_count[path])

    final_maps, reports = {}, []
    for path, kind in mapped.items():
        base = loaded.get(path)
        if path in to_count:
            text = path in text_paths
            final_maps[path] = vocabulary_from_counts(
                to_count[path], min_count=min_count if text else 1,
                max_size=max_vocab if text else None, base=base)
            action = action_of(base, os.path.exists(path))
        else:
            final_maps[path], action = base, "reused"
        reports.append([path, action, base])

    pretrained_report = None
    vector_lines = {}
    if pretrained is not None:
        wanted = set().union(*all_counts.values())
        vector_lines, dim = read_vector_lines(pretrained, wanted)
        added = 0
        for path in text_paths:
            if path not in to_count:
                continue  # a reused vocabulary keeps its ids
            extra = {token: n for token, n in all_counts[path].items()
                     if token in vector_lines and token not in final_maps[path]}
            before = len(final_maps[path])
            final_maps[path] = vocabulary_from_counts(extra, base=final_maps[path])
            added += len(final_maps[path]) - before
        pretrained_output = os.fspath(pretrained_output or _vectors_path(text_paths[0]))
        pretrained_report = PretrainedReport(pretrained_output, 0, dim, added)

    map_reports = []
    for path, action, base in reports:
        size = max(final_maps[path].values(), default=-1) + 1
        added = len(final_maps[path]) - (len(base) if base is not None else 0)
        map_reports.append(MapReport(path, action, size, added if action != "reused" else 0))
    encoder.maps = final_maps
    encoder.label_map = labels.finish()

    files = []
    with contextlib.ExitStack() as stack:
        problems = []
        for path, kind, output in zip(inputs, formats, outputs):
            encoder.stats = {spec.name: InputStats() for spec in specs}
            handle = stack.enter_context(atomic_write(output))
            file_problems, records = _write_pass(path, kind, header, encoder, handle)
            problems.append(file_problems)
            files.append(PreparedFile(path, output, records, dict(encoder.stats)))
        raise_problems(problems)
        for report in map_reports:
            if report.action != "reused":
                save_vocabulary(final_maps[report.path], report.path)
        labels.save()
        settings_files = [_save_settings(path, encoder, specs, files[0], options, max_lengths,
                                         next(r.action for r in map_reports if r.path == path))
                          for path in text_paths]
        if pretrained_report is not None:
            pretrained_report.vectors = write_vector_lines(
                pretrained_report.path, final_maps[text_paths[0]], vector_lines)

    vocab_sizes = {}
    for spec in specs:
        if spec.type == "ids":
            vocab_sizes[spec.name] = files[0].inputs[spec.name].max_id + 1
        elif spec.type == "text":
            vocab_sizes[spec.name] = encoder.lookup_layer(spec.map_path).vocabulary_size
        else:
            vocab_sizes[spec.name] = max(final_maps[spec.map_path].values()) + 1
    return PrepareReport(files[0].output_path, files[0].records, map_reports, files[0].inputs,
                         vocab_sizes, files, max_lengths, encoder.label_map, labels.path,
                         settings_files, pretrained_report)


class _LabelMap:
    """The class map of `label_type="class"`: loaded, counted from the first input, saved."""

    def __init__(self, label_type, path, column, id_map_dir, maps):
        self.path = self.mapping = self.counts = None
        self.base = None
        if label_type != "class":
            return
        if column is None:
            raise O2VError("label_type='class' needs a label column")
        self.path = os.fspath(path or os.path.join(id_map_dir, f"{column}.classes.json"))
        exists = os.path.exists(self.path)
        if exists and maps != "rebuild":
            from keras_o2v.pretrained import load_vocab

            self.base = load_vocab(self.path)
        if not exists or maps != "reuse":
            self.counts = collections.Counter()
        self.action = "reused" if self.counts is None else action_of(self.base, exists)

    def finish(self):
        """The final map: the loaded one, with new classes after its ids in name order."""
        if self.path is None:
            return None
        self.mapping = dict(self.base or {})
        next_id = max(self.mapping.values(), default=-1) + 1
        for name in sorted(set(self.counts or ()) - set(self.mapping)):
            self.mapping[name] = next_id
            next_id += 1
        return self.mapping

    def save(self):
        if self.path is not None and self.action != "reused":
            save_vocabulary(self.mapping, self.path)


def _paths(value, name):
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if not values:
        raise O2VError(f"{name}: give at least one file")
    return [os.fspath(v) for v in values]


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
        return InputSpec(name, str(column), kind, os.fspath(map_path) if map_path else None)
    except ValueError as error:
        raise O2VError(str(error)) from None


def _checked_lengths(max_lengths):
    lengths = dict(max_lengths or {})
    for name, length in lengths.items():
        if name not in ("in0", "in1") or isinstance(length, bool) or not isinstance(length, int) \
                or length < 1:
            raise O2VError(f"max_lengths must map in0 / in1 to positive integers, got {lengths!r}")
    return lengths


def _text_options(tokenizer, pattern, lowercase, oov_buckets, text_paths, maps):
    """The tokenisation of every text input: given, or saved with the vocabularies."""
    given = TextOptions(pattern, lowercase, oov_buckets)
    if tokenizer is not None:
        layer = as_text_preprocessor(tokenizer)
        given = TextOptions(pattern or layer.pattern,
                            layer.lowercase if lowercase is None else lowercase,
                            oov_buckets if oov_buckets is not None or isinstance(tokenizer, Tokenizer)
                            else layer.oov_buckets)
    resolved = [resolve_text_options(given, path, maps, "rebuild it (--rebuild, maps='rebuild')")
                for path in text_paths] or [resolve_text_options(given, None, maps, "")]
    if any(options != resolved[0] for options in resolved[1:]):
        raise O2VError(f"the text vocabularies {text_paths} were built with different "
                       "tokenisations; rebuild them")
    return resolved[0]


def _preprocessor(options):
    from keras_o2v.text import TextPreprocessor

    return TextPreprocessor(pattern=options.pattern, lowercase=options.lowercase,
                            oov_buckets=options.oov_buckets)


def _check_text_map(mapping, path):
    try:
        check_text_vocabulary(mapping, path)
    except O2VError as error:
        raise DataError([(path, 0, str(error)[len(path) + 2:])]) from None


def _check_columns(formats, header, specs, label_column):
    if header or "tsv" not in formats:
        return
    columns = [spec.column for spec in specs] + ([label_column] if label_column else [])
    named = [column for column in columns if not str(column).isdigit()]
    if named:
        raise O2VError(f"without a header row, columns are numbers from 1 (e.g. --in0-column 1 "
                       f"--in1-column 2 --label-column 3), got {named}")


def _vectors_path(vocab_path):
    stem = os.path.splitext(os.path.abspath(vocab_path))[0]
    return stem + ".vectors.txt"


def _save_settings(vocab_path, encoder, specs, first_file, options, max_lengths, action):
    """Writes `text_preprocessing.json` beside a text vocabulary (kept when reused and present)."""
    path = settings_path(vocab_path)
    if action == "reused" and same_settings(path, options):
        return path
    layer = encoder.lookup_layer(vocab_path)
    sides = [spec.name for spec in specs if spec.type == "text" and spec.map_path == vocab_path]
    lengths = {name: suggested_length(first_file.inputs[name], max_lengths.get(name))
               for name in sides}
    write_settings(path, TextSettings(
        pattern=options.pattern, lowercase=options.lowercase, oov_buckets=options.oov_buckets,
        max_lengths=lengths, vocabulary_file=os.path.basename(vocab_path),
        vocabulary_size=layer.vocabulary_size))
    return path


def _records(input_path, input_format, header):
    return read_raw_records(iter_lines(input_path), input_format, header=header)


def _count_pass(input_path, input_format, header, encoder, counters, label_counts):
    problems = Problems(input_path)
    for batch in batched(_records(input_path, input_format, header)):
        for line, messages in encoder.count_batch(batch, counters, label_counts):
            problems.add(line, messages)
    return problems


def _write_pass(input_path, input_format, header, encoder, handle):
    problems = Problems(input_path)
    records = 0
    for batch in batched(_records(input_path, input_format, header)):
        for record, (output, messages) in zip(batch, encoder.encode_batch(batch)):
            if messages:
                problems.add(record.line, messages)
            elif not problems:
                handle.write(json.dumps(output, ensure_ascii=False) + "\n")
                records += 1
    if records == 0 and not problems:
        problems.add(0, ["no records found"])
    return problems, records

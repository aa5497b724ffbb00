"""Training pairs cut from a corpus of unlabeled documents, in two streaming passes."""

import collections
import dataclasses
import json
import os

import numpy as np

from keras_o2v.atomic_files import atomic_write
from keras_o2v.errors import DataError, O2VError
from keras_o2v.preprocessing.document_units import CUT_MODES, UNITS, make_pair, unit_spans
from keras_o2v.preprocessing.documents import (
    DEFAULT_SENTENCE_PATTERN,
    DOCUMENT_FORMATS,
    detect_document_format,
    documents_with_ids,
    iter_documents,
)
from keras_o2v.preprocessing.map_files import MapReport, action_of, check_map_mode, load_map
from keras_o2v.preprocessing.problems import Problems
from keras_o2v.preprocessing.raw_records import first_line
from keras_o2v.preprocessing.text_options import TextOptions, resolve_text_options, same_settings
from keras_o2v.preprocessing.tokenizer import Tokenizer, as_text_preprocessor
from keras_o2v.text.reserved import UNK, UNK_ID
from keras_o2v.text.settings_file import TextSettings, settings_path, write_settings
from keras_o2v.text.vocabulary import check_text_vocabulary, save_vocabulary, vocabulary_from_counts


@dataclasses.dataclass
class CutReport:
    """The outcome of `cut_pairs`.

    Attributes:
        output_path: the training JSON Lines file written.
        pairs: number of pairs written (all with label 1).
        documents: documents read (empty ones included).
        used_documents: documents that gave at least one pair.
        empty_documents: documents without a token (e.g. empty lines of a text file).
        short_documents: documents with tokens, too short for a pair (see
            `keras_o2v.preprocessing.document_units`).
        available: pairs the corpus offers under `per_document` (before `max_pairs`).
        map: the `MapReport` of the vocabulary file.
        max_lengths: dict `in0`/`in1` -> the longest sequence written.
        unknown_tokens: tokens not in the vocabulary (written as `<unk>`, or into
            the `oov_buckets`), the literal `<unk>` included.
        vocab_size: the `encN_vocab_size` the ids need (the vocabulary's size plus
            `oov_buckets`).
        lengths: dict `in0`/`in1` -> `collections.Counter` length -> pairs.
        text_settings: the `text_preprocessing.json` beside the vocabulary.
        oov_buckets: the out-of-vocabulary buckets used.
    """

    output_path: str
    pairs: int
    documents: int
    used_documents: int
    empty_documents: int
    short_documents: int
    available: int
    map: MapReport
    max_lengths: dict
    unknown_tokens: int
    vocab_size: int
    lengths: dict = dataclasses.field(default_factory=dict)
    text_settings: str = None
    oov_buckets: int = 0

    def hyperparameters(self):
        """Suggested hyperparameters for `o2v train` on the pairs: the sizes they need,
        and the retrieval training mode (every pair is a positive)."""
        return {"enc0_vocab_size": max(2, self.vocab_size),
                "enc0_max_seq_len": min(5000, max(1, self.max_lengths["in0"])),
                "enc1_max_seq_len": min(5000, max(1, self.max_lengths["in1"])),
                "training_objective": "retrieval"}


def cut_pairs(input_path, output_path, *, vocab_path, mode="rest", unit="window", window=10,
              per_document=None, stride=None, max_pairs=None, seed=0, input_format=None,
              text_column="text", sentence_pattern=DEFAULT_SENTENCE_PATTERN, min_count=1,
              max_vocab=None, maps="reuse", tokenizer=None, oov_buckets=None, pattern=None,
              lowercase=None):
    """Writes training pairs cut from unlabeled documents (a self-supervised task).

    Each pair is the record `{"label": 1, "in0": [ids], "in1": [ids]}` for the
    retrieval training mode (`training_objective=retrieval`, in-batch negatives:
    the other pairs' `in1` are the negatives), as StarSpace's training modes cut
    them. `mode` (see `keras_o2v.preprocessing.document_units`):

    - `"rest"`: a window (or sentence) against the rest of its document, for
      search: a short query finds the document it came from;
    - `"pair"`: two windows (or sentences) of one document, for similar-text
      retrieval between texts of the same kind;
    - `"context"`: the `window` tokens on each side of a token against the token,
      for word vectors (`in1` is one id: `enc1_max_seq_len=1`).

    Every document offers its units (`unit_spans`: windows tiling the document,
    at most half of it long; or its sentences); `per_document` keeps a random
    `per_document` of them (all when None). With `max_pairs`, exactly
    `min(max_pairs, available)` pairs are written, spread evenly over the corpus
    (document i gets `floor(N C_i / A) - floor(N C_(i-1) / A)` of its units, `C`
    the running count of available units, `A` their total), so a corpus sorted by
    topic is not cut short at its first topics. Pairs are written in document
    order (`make_dataset` shuffles them in blocks). Units are drawn with a
    generator seeded by `(seed, document number)`: the same corpus and options
    give the same file.

    Two passes, both streaming (a document at a time): pass 1 validates, counts
    tokens for the vocabulary and counts the units of every document; pass 2
    writes. Texts become ids with `keras_o2v.text.TextPreprocessor` (the layer a
    model uses on text), many documents per TensorFlow call. The vocabulary (shared
    by `in0` and `in1`, `<pad>`=0, `<unk>`=1) is handled like `prepare_pairs`'s: an
    existing file is reused (`maps="reuse"`), extended or rebuilt, with the
    tokenisation saved in the `text_preprocessing.json` written beside it. Every bad
    line is reported in one `DataError` (file and line) and nothing is written then;
    the output and the vocabulary are written atomically. Empty documents and
    documents too short for a pair give no pair and are counted in the report.

    Args:
        input_path: the corpus: `.txt` (a document per line), `.jsonl` or `.tsv`
            (see `keras_o2v.preprocessing.documents`), optionally `.gz`.
        output_path: training JSON Lines to write.
        vocab_path: the vocabulary file (read when it exists, see `maps`).
        mode: one of `CUT_MODES`.
        unit: `"window"` or `"sentence"` (`rest` and `pair`).
        window: window length in tokens; for `context` the tokens on each side.
        per_document: units kept per document (None: all).
        stride: tokens between window starts (default: the window length; for
            `context` 1, every token).
        max_pairs: the most pairs to write (None: all).
        seed: seed of the random choices.
        input_format: `"text"`, `"jsonl"` or `"tsv"`; None guesses from the
            extension, then the first line.
        text_column: JSON key or TSV column of the text.
        sentence_pattern: regular expression that separates sentences.
        min_count: minimum count for a token to enter a built vocabulary.
        max_vocab: maximum vocabulary size, reserved ids included.
        maps: `"reuse"`, `"extend"` or `"rebuild"` an existing vocabulary file.
        tokenizer: a `Tokenizer` or `TextPreprocessor` giving `pattern` and
            `lowercase`; other callables are refused.
        oov_buckets: write tokens the vocabulary lacks as one of this many hashed
            ids after the vocabulary's instead of `<unk>` (FarmHash64, see
            `keras_o2v.text.TextPreprocessor`): an unseen word in a query and in a
            document then gets the same id. Saved with the vocabulary, so queries
            are encoded the same way.
        pattern: the token pattern: `"words"` (default), `"alphanumeric"` or RE2.
        lowercase: lowercase texts (default True). `pattern`, `lowercase` and
            `oov_buckets` default to the values saved with an existing vocabulary,
            and must agree with them.

    Returns:
        A `CutReport`.

    Raises:
        DataError: bad lines (all listed), a bad vocabulary file, or no pair at all.
        O2VError: inconsistent arguments.

    Example:
    >>> report = keras_o2v.cut_pairs("corpus.txt", "train.jsonl", vocab_path="vocab.json",
    ...                              mode="rest", window=10, per_document=8)  # doctest: +SKIP
    >>> report.hyperparameters()  # doctest: +SKIP
    {'enc0_vocab_size': 20541, 'enc0_max_seq_len': 10, 'enc1_max_seq_len': 1210, ...}
    """
    input_path, output_path, vocab_path = (os.fspath(input_path), os.fspath(output_path),
                                           os.fspath(vocab_path))
    _check_options(mode, unit, window, per_document, stride, max_pairs, maps)
    if not os.path.isfile(input_path):
        raise DataError([(input_path, 0, "input file not found")])
    input_format = input_format or detect_document_format(input_path, first_line(input_path))
    if input_format not in DOCUMENT_FORMATS:
        raise O2VError(f"input_format must be one of {DOCUMENT_FORMATS}, got {input_format!r}")
    if tokenizer is not None:
        layer = as_text_preprocessor(tokenizer)
        pattern = pattern or layer.pattern
        lowercase = layer.lowercase if lowercase is None else lowercase
        if oov_buckets is None and not isinstance(tokenizer, Tokenizer):
            oov_buckets = layer.oov_buckets
    options = resolve_text_options(TextOptions(pattern, lowercase, oov_buckets), vocab_path, maps,
                                   "rebuild it (o2v cut --rebuild, maps='rebuild')")
    from keras_o2v.text import TextPreprocessor

    tokenizer = TextPreprocessor(pattern=options.pattern, lowercase=options.lowercase)
    exists = os.path.exists(vocab_path)
    base = load_map(vocab_path) if exists and maps != "rebuild" else None
    if base is not None and UNK not in base:
        raise DataError([(vocab_path, 0, f"the vocabulary has no {UNK!r} entry for the tokens "
                                         "it lacks; use maps='rebuild'")])
    counter = collections.Counter() if base is None or maps != "reuse" else None

    def documents(tokens):
        return iter_documents(input_path, input_format, tokenizer if tokens else None,
                              text_column, sentence_pattern)

    def spans_of(document):
        tokens, sentence_spans = _flatten(document.sentences)
        return tokens, sentence_spans, unit_spans(len(tokens), sentence_spans, mode, unit,
                                                  window, stride)

    # Pass 1: validate, count tokens and the units each document offers.
    problems = Problems(input_path)
    offered = []
    empty = short = 0
    for document in documents(tokens=True):
        if document.problem is not None:
            problems.add(document.line, [document.problem])
            continue
        tokens, _, spans = spans_of(document)
        if counter is not None:
            counter.update(tokens)
        empty += not tokens
        short += bool(tokens) and not spans
        offered.append(len(spans) if per_document is None else min(per_document, len(spans)))
    problems.raise_if_any()
    available = sum(offered)
    target = available if max_pairs is None else min(max_pairs, available)
    if target == 0:
        raise DataError([(input_path, 0, f"no pair can be cut: {len(offered)} documents, "
                                         f"{empty} empty, {short} too short for mode={mode!r}, "
                                         f"unit={unit!r}")])

    if counter is None:
        vocab, action = base, "reused"
    else:
        vocab = vocabulary_from_counts(counter, min_count=min_count, max_size=max_vocab,
                                       base=base)
        action = action_of(base, exists)
    try:
        check_text_vocabulary(vocab, vocab_path)
    except O2VError as error:
        raise DataError([(vocab_path, 0, str(error)[len(vocab_path) + 2:])]) from None
    lookup = TextPreprocessor(vocab, pattern=options.pattern, lowercase=options.lowercase,
                              oov_buckets=options.oov_buckets)
    first_bucket = lookup.first_oov_id

    # Pass 2: cut and write.
    lengths = {"in0": collections.Counter(), "in1": collections.Counter()}
    pairs = used = unknown = 0
    cumulative = 0
    valid = (d for d in documents(tokens=False) if d.problem is None)
    with atomic_write(output_path) as handle:
        for number, document in enumerate(documents_with_ids(valid, lookup)):
            before = target * cumulative // available
            cumulative += offered[number]
            quota = target * cumulative // available - before
            if quota == 0:
                continue
            ids, _, spans = spans_of(document)
            unknown += sum(i == UNK_ID or i >= first_bucket for i in ids)
            rng = np.random.default_rng([seed, document.number])
            chosen = np.sort(rng.choice(len(spans), size=quota, replace=False))
            for index in chosen:
                in0, in1 = make_pair(ids, spans, int(index), mode, window, rng)
                handle.write(json.dumps({"label": 1, "in0": in0, "in1": in1}) + "\n")
                lengths["in0"][len(in0)] += 1
                lengths["in1"][len(in1)] += 1
            pairs += quota
            used += 1
        if action != "reused":
            save_vocabulary(vocab, vocab_path)
        max_lengths = {side: max(counts, default=0) for side, counts in lengths.items()}
        settings = settings_path(vocab_path)
        if action != "reused" or not same_settings(settings, options):
            write_settings(settings, TextSettings(
                pattern=options.pattern, lowercase=options.lowercase,
                oov_buckets=options.oov_buckets,
                max_lengths={side: min(5000, max(1, n)) for side, n in max_lengths.items()},
                vocabulary_file=os.path.basename(vocab_path),
                vocabulary_size=lookup.vocabulary_size))
    added = 0 if action == "reused" else len(vocab) - (len(base) if base is not None else 0)
    report = MapReport(vocab_path, action, first_bucket, added)
    return CutReport(output_path, pairs, len(offered), used, empty, short, available, report,
                     max_lengths, unknown, lookup.vocabulary_size, lengths, settings,
                     options.oov_buckets)


def _flatten(sentences):
    """A document's tokens and the `(start, end)` span of each sentence among them."""
    tokens, spans = [], []
    for sentence in sentences:
        spans.append((len(tokens), len(tokens) + len(sentence)))
        tokens.extend(sentence)
    return tokens, spans


def _check_options(mode, unit, window, per_document, stride, max_pairs, maps):
    if mode not in CUT_MODES:
        raise O2VError(f"mode must be one of {CUT_MODES}, got {mode!r}")
    if unit not in UNITS:
        raise O2VError(f"unit must be one of {UNITS}, got {unit!r}")
    if mode == "context" and unit != "window":
        raise O2VError("mode='context' pairs a token with the tokens around it; unit="
                       f"{unit!r} does not apply (leave unit='window')")
    check_map_mode(maps)
    for name, value, allow_none in (("window", window, False), ("per_document", per_document, True),
                                    ("stride", stride, True), ("max_pairs", max_pairs, True)):
        if value is None and allow_none:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise O2VError(f"{name} must be a positive integer{' or None' if allow_none else ''}, "
                           f"got {value!r}")

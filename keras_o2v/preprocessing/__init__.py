"""Raw-data preparation: tokenizing, vocabularies, id maps and training JSON Lines.

`prepare_pairs` (and the `o2v prepare` command) turns raw pairs, given as JSON Lines
or TSV with text, categorical or id columns, into the training records
`{"label": ..., "in0": [ids], "in1": [ids]}` plus the vocabulary, id-map and
`text_preprocessing.json` files that fix those ids. `cut_pairs` (`o2v cut`) cuts
training pairs out of a corpus of unlabeled documents (a window against the rest of
its document, two windows of one document, a token against its context) for the
retrieval mode. Texts become ids through `keras_o2v.text.TextPreprocessor`, the
layer a model uses on text.
"""

from keras_o2v.atomic_files import atomic_write
from keras_o2v.data.json_lines import iter_lines
from keras_o2v.preprocessing.batches import batched
from keras_o2v.preprocessing.cut_pairs import CutReport, cut_pairs
from keras_o2v.preprocessing.document_units import CUT_MODES, UNITS
from keras_o2v.preprocessing.documents import DEFAULT_SENTENCE_PATTERN, iter_documents
from keras_o2v.preprocessing.lengths import describe_lengths, length_percentiles
from keras_o2v.preprocessing.map_files import MAP_MODES, MapReport, load_map
from keras_o2v.preprocessing.pair_encoder import InputSpec, PairEncoder
from keras_o2v.preprocessing.prepare_pairs import PreparedFile, PrepareReport, prepare_pairs
from keras_o2v.preprocessing.problems import Problems
from keras_o2v.preprocessing.raw_records import detect_format, first_line, read_raw_records
from keras_o2v.preprocessing.tokenizer import ALPHANUMERIC_WORDS, DEFAULT_PATTERN, Tokenizer
from keras_o2v.preprocessing.vocabulary import (
    PAD,
    UNK,
    build_vocabulary,
    count_tokens,
    oov_bucket,
    save_vocabulary,
    text_to_ids,
    texts_to_ids,
    tokens_to_ids,
    vocabulary_from_counts,
)

__all__ = [
    "ALPHANUMERIC_WORDS",
    "CUT_MODES",
    "CutReport",
    "DEFAULT_PATTERN",
    "DEFAULT_SENTENCE_PATTERN",
    "MAP_MODES",
    "MapReport",
    "PAD",
    "UNK",
    "InputSpec",
    "PairEncoder",
    "PrepareReport",
    "PreparedFile",
    "Problems",
    "Tokenizer",
    "atomic_write",
    "batched",
    "build_vocabulary",
    "count_tokens",
    "cut_pairs",
    "describe_lengths",
    "detect_format",
    "first_line",
    "iter_documents",
    "iter_lines",
    "length_percentiles",
    "load_map",
    "oov_bucket",
    "prepare_pairs",
    "read_raw_records",
    "save_vocabulary",
    "text_to_ids",
    "texts_to_ids",
    "tokens_to_ids",
    "UNITS",
    "vocabulary_from_counts",
]

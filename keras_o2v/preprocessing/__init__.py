"""Raw-data preparation: tokenizing, vocabularies, id maps and training JSON Lines.

`prepare_pairs` (and the `o2v prepare` command) turns raw pairs, given as JSON Lines
or TSV with text, categorical or id columns, into the training records
`{"label": ..., "in0": [ids], "in1": [ids]}` plus the vocabulary and id-map files
that fix those ids. `cut_pairs` (`o2v prepare --cut MODE`) cuts training pairs out
of a corpus of unlabeled documents (a window against the rest of its document, two
windows of one document, a token against its context) for the retrieval mode.
"""

from keras_o2v.atomic_files import atomic_write
from keras_o2v.data.json_lines import iter_lines
from keras_o2v.preprocessing.cut_pairs import CutReport, cut_pairs
from keras_o2v.preprocessing.document_units import CUT_MODES, UNITS
from keras_o2v.preprocessing.documents import DEFAULT_SENTENCE_PATTERN, iter_documents
from keras_o2v.preprocessing.pair_encoder import InputSpec, PairEncoder
from keras_o2v.preprocessing.prepare_pairs import PrepareReport, prepare_pairs
from keras_o2v.preprocessing.raw_records import detect_format, read_raw_records
from keras_o2v.preprocessing.tokenizer import ALPHANUMERIC_WORDS, DEFAULT_PATTERN, Tokenizer
from keras_o2v.preprocessing.vocabulary import (
    PAD,
    UNK,
    build_vocabulary,
    count_tokens,
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
    "PAD",
    "UNK",
    "InputSpec",
    "PairEncoder",
    "PrepareReport",
    "Tokenizer",
    "atomic_write",
    "build_vocabulary",
    "count_tokens",
    "cut_pairs",
    "detect_format",
    "iter_documents",
    "iter_lines",
    "prepare_pairs",
    "read_raw_records",
    "save_vocabulary",
    "text_to_ids",
    "texts_to_ids",
    "tokens_to_ids",
    "UNITS",
    "vocabulary_from_counts",
]

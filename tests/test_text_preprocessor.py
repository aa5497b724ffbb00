"""keras_o2v.text.TextPreprocessor: one implementation of texts -> ids, eager and in graphs."""

import json
import re
import time
import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_o2v.errors import DataError, O2VError
from keras_o2v.export.graph_ops import cudnn_ops, saved_model_op_types, unregistered_ops
from keras_o2v.pretrained import load_vocab
from keras_o2v.text import SETTINGS_FILE, TextPreprocessor, check_oov_hash, read_settings
from tests.text_corpus import CORPUS

TRAIN = CORPUS[:6]


@pytest.fixture(scope="module")
def preprocessor():
    layer = TextPreprocessor(oov_buckets=5, name="text")
    layer.adapt(TRAIN)
    return layer


class Holder(tf.Module):
    """The way an export holds the layer: a tf.Module with a string signature."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def serve(self, texts):
        return {"ids": self.layer(texts), "lengths": self.layer.ids(texts, ragged=True).row_lengths()}


def test_eager_ids_equal_tf_function_and_a_reloaded_saved_model_run_by_the_tf1_loader(
        preprocessor, tmp_path):
    eager = preprocessor(CORPUS).numpy()
    lists = preprocessor.id_lists(CORPUS, batch_size=4)
    assert [list(row[:len(ids)]) for row, ids in zip(eager, lists)] == lists
    assert all(not row[len(ids):].any() for row, ids in zip(eager, lists))  # right-padded with 0
    holder = Holder(preprocessor)
    np.testing.assert_array_equal(holder.serve(tf.constant(CORPUS))["ids"].numpy(), eager)
    mapped = tf.data.Dataset.from_tensor_slices(CORPUS).batch(5).map(preprocessor)
    assert [row[row > 0].tolist() for batch in mapped for row in batch.numpy()] == \
        lists  # in tf.data (no id is 0: padding only)

    tf.saved_model.save(holder, str(tmp_path), signatures={"serving_default": holder.serve})
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        meta = tf.compat.v1.saved_model.loader.load(session, ["serve"], str(tmp_path))
        signature = meta.signature_def["serving_default"]
        served = session.run(signature.outputs["ids"].name,
                             {signature.inputs["texts"].name: CORPUS})
    np.testing.assert_array_equal(served, eager)
    ops = saved_model_op_types(str(tmp_path))
    assert unregistered_ops(str(tmp_path)) == [] and cudnn_ops(str(tmp_path)) == []
    assert {"StringLower", "StaticRegexReplace", "StringToHashBucketFast", "LookupTableFindV2"} <= ops
    assert not any("PyFunc" in op for op in ops)

    lengths = [len(ids) for ids in lists]
    assert lengths[6] == lengths[7] == 0  # empty and whitespace-only texts
    assert lengths[-1] == 20_001
    assert lists[9][1] == 1 and lists[9][4] == 1  # "<unk>" and "<UNK>" are the unknown id


def test_tokens_of_unicode_punctuation_digits_and_spaces(preprocessor):
    tokens = preprocessor.token_lists(CORPUS[:6] + CORPUS[9:12])
    assert tokens[0] == ["men", "playing", "sport", ",", "in", "the", "café", "."]
    assert tokens[1] == ["don't", "été", "naïve", "l'homme", "—", "«", "quoted", "»", "(", "x2", ".",
                         "5", ")", "1", ",", "000", "#", "tag", "@", "user"]
    assert tokens[2] == ["東京は晴れ", "北京", "서울"]
    assert tokens[3] == ["привет", ",", "мир", "!", "ελληνικά", "σας"]  # final sigma
    assert tokens[4] == ["مرحبا", "بالعالم"]
    assert tokens[5] == ["emoji", "😀", "👍", "🏽", "and", "❤", "\ufe0f", "hearts"]
    assert tokens[6] == ["a", "<unk>", "here", ",", "<unk>", "there"]
    assert tokens[7] == ["non", "breaking", "spaces", "and", "zero"]
    # No NFC: a decomposed "é" stays inside its word, another token than the composed one.
    assert tokens[8] == ["cafe\u0301", "decomposed"]
    assert TextPreprocessor(lowercase=False).token_lists(["ÉTÉ x"]) == [["ÉTÉ", "x"]]
    # Invalid UTF-8 (raw bytes of a gRPC request) becomes U+FFFD instead of failing.
    assert TextPreprocessor().token_lists([b"bad \xff byte"]) == [["bad", "\ufffd", "byte"]]


@pytest.mark.parametrize("name, python_pattern", [
    ("words", r"\w+(?:'\w+)*|[^\w\s]"),
    ("alphanumeric", r"[a-z0-9]+(?:'[a-z]+)?"),
])
def test_builtin_patterns_tokenize_ascii_as_python_re_findall(name, python_pattern):
    rng = np.random.default_rng(0)
    alphabet = list("abcXYZ019_'.,;:!?-()[]{}\"#$%&*+/<=>@\\^`|~ \t\n")
    texts = ["".join(rng.choice(alphabet, int(rng.integers(0, 60)))) for _ in range(400)]
    texts += ["don't stop", "it's 4'o clock", "''a''", "rock'n'roll", "x'", "'y"]
    expected = [re.findall(python_pattern, text.lower()) for text in texts]
    assert TextPreprocessor(pattern=name).token_lists(texts, batch_size=64) == expected


def test_unknown_tokens_oov_buckets_and_the_literal_unk(preprocessor):
    vocab = preprocessor.get_vocabulary()
    first = max(vocab.values()) + 1
    assert preprocessor.first_oov_id == first and preprocessor.vocabulary_size == first + 5
    ids = preprocessor.id_lists(["zyzzyva men zyzzyva qwerty <unk>"])[0]
    assert ids[1] == vocab["men"] and ids[0] == ids[2] and ids[4] == 1
    buckets = keras.layers.Hashing(num_bins=5)(tf.constant(["zyzzyva", "qwerty"])).numpy()
    assert [ids[0], ids[3]] == [first + int(b) for b in buckets.ravel()]  # Keras' OOV hash
    plain = TextPreprocessor(vocab)
    assert plain.id_lists(["zyzzyva men qwerty"]) == [[1, vocab["men"], 1]]
    # With a pattern that keeps "<pad>" whole, it is an unknown token, never padding.
    spaces = TextPreprocessor({"<pad>": 0, "<unk>": 1, "x": 2}, pattern=r"\S+")
    assert spaces.id_lists(["<pad> x <unk>, y"]) == [[1, 2, 1, 1, 1]]


def test_lengths_padding_and_caps(preprocessor):
    layer = TextPreprocessor(preprocessor.get_vocabulary(), max_lengths={"in0": 2})
    dense = layer(["men playing sport", "", "the"]).numpy()
    assert dense.shape == (3, 3) and dense[1].tolist() == [0, 0, 0]
    assert layer(["men playing sport", "the"], side="in0").shape == (2, 2)
    assert layer(["men playing sport"], side="in1").shape == (1, 3)  # no cap known for in1
    assert layer(["men playing sport"], max_length=1).numpy().tolist() == [[layer.lookup(["men"])[0]]]
    assert layer(tf.constant([["men"], ["the"]])).shape == (2, 1)  # [batch, 1] inputs
    assert layer([""]).shape == (1, 0)
    symbolic = layer(keras.Input(shape=(), dtype="string"), side="in0")
    assert symbolic.shape == (None, 2) and symbolic.dtype == "int64"


def test_adapt_counts_with_the_same_tokenisation_and_is_fast():
    layer = TextPreprocessor()
    layer.adapt(tf.data.Dataset.from_tensor_slices(["b a b", "c B a", "d"]), min_count=2)
    assert layer.get_vocabulary() == {"<pad>": 0, "<unk>": 1, "b": 2, "a": 3}
    layer.adapt(iter(["b a b", "c B a", "d"]), max_size=3)
    assert layer.get_vocabulary() == {"<pad>": 0, "<unk>": 1, "b": 2}
    rng = np.random.default_rng(0)
    words = np.array([f"w{i}" for i in range(5000)])
    sentences = [" ".join(rng.choice(words, 12)) + "." for _ in range(100_000)]
    start = time.perf_counter()
    layer.adapt(sentences)
    seconds = time.perf_counter() - start
    assert layer.vocabulary_size == 2 + 5000 + 1
    assert seconds < 30, seconds  # about 3 s on 2 idle cores


def test_keras_round_trip_keeps_the_vocabulary_as_an_asset(preprocessor, tmp_path):
    inputs = keras.Input(shape=(), dtype="string")
    model = keras.Model(inputs, preprocessor(inputs))
    path = tmp_path / "model.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        config = archive.read("config.json").decode()
        assets = [name for name in archive.namelist() if name.startswith("assets/")]
    assert "zyzzyva" not in config and "playing" not in config
    assert any(name.endswith("vocabulary.json") for name in assets)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(loaded(tf.constant(CORPUS[:-1])), model(tf.constant(CORPUS[:-1])))
    layer = loaded.layers[-1]
    assert layer.get_config()["oov_buckets"] == 5 and layer.get_vocabulary() == preprocessor.get_vocabulary()
    clone = TextPreprocessor.from_config(preprocessor.get_config())
    assert clone.pattern == preprocessor.pattern and not clone.has_vocabulary


def test_saved_form_round_trip_and_checks(preprocessor, tmp_path):
    path = preprocessor.save(tmp_path / "aux")
    assert path == str(tmp_path / "aux" / SETTINGS_FILE)
    settings = json.loads(open(path).read())
    assert settings["format"] == "keras_o2v.text_preprocessing" and settings["format_version"] == 1
    assert (settings["oov_hash"], settings["oov_buckets"], settings["pattern_name"]) == \
        ("farmhash64", 5, "words")
    assert settings["vocabulary_size"] == preprocessor.vocabulary_size
    assert load_vocab(tmp_path / "aux" / "vocab.json") == preprocessor.get_vocabulary()
    for source in (path, tmp_path / "aux"):
        loaded = TextPreprocessor.from_file(source)
        assert loaded.id_lists(CORPUS) == preprocessor.id_lists(CORPUS)
    again = TextPreprocessor.from_vocabulary_file(tmp_path / "aux" / "vocab.json")
    assert again.oov_buckets == 5 and again.id_lists(CORPUS[:3]) == preprocessor.id_lists(CORPUS[:3])
    settings["vocabulary_size"] += 1
    with open(path, "w") as f:
        json.dump(settings, f)
    with pytest.raises(DataError, match="vocabulary_size is"):
        TextPreprocessor.from_file(path)
    settings["format_version"] = 2
    with open(path, "w") as f:
        json.dump(settings, f)
    with pytest.raises(DataError, match="newer keras_o2v"):
        read_settings(path)


def test_an_old_vocabulary_is_refused_with_buckets_and_accepted_without(tmp_path):
    old = tmp_path / "vocab.json"
    old.write_text(json.dumps({"<pad>": 0, "<unk>": 1, "men": 2}))  # no text_preprocessing.json
    with pytest.raises(O2VError, match=r"crc32\(token\) % N.*FarmHash64.*--rebuild"):
        check_oov_hash(old, 8, rebuild="rebuild it (o2v prepare ... --rebuild)")
    with pytest.raises(O2VError, match="before keras_o2v 0.2"):
        TextPreprocessor(old, oov_buckets=8)
    with pytest.raises(O2VError, match="before keras_o2v 0.2"):
        TextPreprocessor.from_vocabulary_file(old, oov_buckets=8)
    layer = TextPreprocessor.from_vocabulary_file(old)
    assert layer.id_lists(["men women"]) == [[2, 1]]


def test_bad_arguments_are_clear_errors():
    with pytest.raises(O2VError, match="not a valid RE2 pattern"):
        TextPreprocessor(pattern=r"(?<=a)b")  # lookbehind: Python's re has it, RE2 not
    with pytest.raises(O2VError, match="id 1 is the unknown token's"):
        TextPreprocessor({"<pad>": 0, "cat": 1})
    with pytest.raises(O2VError, match="id 0 is reserved for padding"):
        TextPreprocessor({"cat": 0})
    with pytest.raises(O2VError, match="oov_buckets"):
        TextPreprocessor(oov_buckets=-1)
    with pytest.raises(O2VError, match="no vocabulary"):
        TextPreprocessor()(["x"])
    with pytest.raises(O2VError, match="not a single string"):
        TextPreprocessor().tokenize("one text")
    assert TextPreprocessor({"<pad>": 0, "cat": 2}).id_lists(["cat dog"]) == [[2, 1]]  # <unk> added


@pytest.mark.parametrize("name", [
    "keras_o2v.text.patterns", "keras_o2v.text.vocabulary", "keras_o2v.text.standardization",
    "keras_o2v.text.tokenization", "keras_o2v.text.text_preprocessor",
    "keras_o2v.preprocessing.lengths", "keras_o2v.preprocessing.batches",
    "keras_o2v.preprocessing.problems", "keras_o2v.preprocessing.raw_records"])
def test_docstring_examples_run(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0

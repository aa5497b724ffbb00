"""`o2v prepare` / `prepare_pairs` with the text layer: same ids as the layer, its new features."""

import argparse
import json

import pytest

from keras_o2v.cli import build_parser
from keras_o2v.cli import main as o2v
from keras_o2v.errors import DataError, O2VError
from keras_o2v.preprocessing import prepare_pairs
from keras_o2v.pretrained import load_vocab
from keras_o2v.text import TextPreprocessor, read_settings
from tests.harness import read_jsonl, write_jsonl
from tests.text_corpus import CORPUS

TEXTS = [text for text in CORPUS if text.strip()]


def test_prepared_ids_equal_the_layer_loaded_from_text_preprocessing_json(tmp_path):
    rows = [{"in0": text, "in1": TEXTS[(k + 1) % 6], "label": k % 2}
            for k, text in enumerate(TEXTS[:6] * 2)]  # the train part
    train = write_jsonl(tmp_path / "train.jsonl", rows)
    test = write_jsonl(tmp_path / "test.jsonl", [{"in0": t, "in1": t, "label": 1} for t in TEXTS])
    vocab = tmp_path / "aux" / "vocab.json"
    report = prepare_pairs([train, test], [tmp_path / "a.jsonl", tmp_path / "b.jsonl"],
                           vocab_path=vocab, oov_buckets=7)
    layer = TextPreprocessor.from_file(tmp_path / "aux")
    assert layer.oov_buckets == 7 and layer.vocabulary_size == report.vocab_sizes["in0"]
    written = read_jsonl(tmp_path / "b.jsonl")
    assert [r["in0"] for r in written] == layer.id_lists(TEXTS)
    assert [r["in0"] for r in read_jsonl(tmp_path / "a.jsonl")] == layer.id_lists(TEXTS[:6] * 2)
    unk_row = written[TEXTS.index("a <unk> here, <UNK> there")]["in0"]
    assert unk_row[1] == unk_row[4] == 1  # the literal <unk> is the unknown id, not "unk"
    assert max(max(r["in0"]) for r in written) >= layer.first_oov_id  # unseen words: buckets
    settings = read_settings(tmp_path / "aux" / "text_preprocessing.json")
    assert settings.max_lengths == {"in0": report.hyperparameters()["enc0_max_seq_len"],
                                    "in1": report.hyperparameters()["enc1_max_seq_len"]}


def test_empty_texts_are_problems_with_file_and_line(tmp_path):
    raw = write_jsonl(tmp_path / "raw.jsonl", [{"in0": "ok", "in1": "fine", "label": 1},
                                               {"in0": "  \t ", "in1": "x", "label": 0},
                                               {"in0": "!!", "in1": "", "label": 0}])
    with pytest.raises(DataError) as error:
        prepare_pairs(raw, tmp_path / "o.jsonl", vocab_path=tmp_path / "v.json", pattern="alphanumeric")
    assert [(line, message) for _, line, message in error.value.problems] == [
        (2, "'in0': text has no tokens"), (3, "'in0': text has no tokens"),
        (3, "'in1': text has no tokens")]
    assert not (tmp_path / "o.jsonl").exists() and not (tmp_path / "v.json").exists()


def test_length_distribution_is_printed_per_side(tmp_path, capsys):
    words = [f"w{i}" for i in range(100)]
    rows = [{"in0": " ".join(words[:n]), "in1": " ".join(words[:1 + n % 3]), "label": 1}
            for n in range(1, 101)]  # in0 lengths 1..100, in1 lengths 1..3
    raw = write_jsonl(tmp_path / "raw.jsonl", rows)
    out = tmp_path / "train.jsonl"
    assert o2v(["prepare", "--input", str(raw), "--output", str(out), "--vocab",
                str(tmp_path / "v.json"), "--in0-max-length", "60"]) == 0
    printed = capsys.readouterr().out
    assert f"{out} in0 lengths: p50 50, p95 95, max 100 (over 100 records)" in printed
    assert f"{out} in1 lengths: p50 2, p95 3, max 3 (over 100 records)" in printed
    assert f"{out} in0: 40 records cut to 60 ids" in printed
    assert printed.strip().splitlines()[-1].split()[1] == "enc0_max_seq_len=60"
    assert max(len(r["in0"]) for r in read_jsonl(out)) == 60
    assert read_settings(tmp_path / "text_preprocessing.json").max_lengths == {"in0": 60, "in1": 3}


def test_train_dev_test_in_one_call_with_class_names_and_no_header(tmp_path, capsys):
    train = tmp_path / "train.tsv"
    train.write_text("a man plays\ta man sleeps\tneutral\nthe dog runs\ta dog moves\tentailment\n"
                     "a cat\tno cat\tcontradiction\n")
    dev = tmp_path / "dev.tsv"
    dev.write_text("a zebra plays\ta man\tentailment\n")
    test = tmp_path / "test.tsv"
    test.write_text("a dog\ta cat\tneutral\nthe man\ta dog\tmaybe\n")
    args = ["prepare", "--input", str(train), str(dev), str(test), "--output",
            *[str(tmp_path / f"{name}.jsonl") for name in ("train", "dev", "test")],
            "--vocab", str(tmp_path / "vocab.json"), "--no-header", "--in0-column", "1",
            "--in1-column", "2", "--label-column", "3", "--label-type", "class"]
    assert o2v(args) == 1  # "maybe" is no class of the training input
    assert f"{test}:2: '3': class 'maybe' is not in the label map" in capsys.readouterr().err
    assert not any((tmp_path / f"{name}.jsonl").exists() for name in ("train", "dev", "test"))
    test.write_text("a dog\ta cat\tneutral\n")
    assert o2v(args) == 0
    out = capsys.readouterr().out
    classes = load_vocab(tmp_path / "3.classes.json")
    assert classes == {"contradiction": 0, "entailment": 1, "neutral": 2}
    assert "classes in" in out and "num_classes=3" in out
    vocab = load_vocab(tmp_path / "vocab.json")
    assert "zebra" not in vocab and "dog" in vocab  # built from the training input only
    assert read_jsonl(tmp_path / "dev.jsonl") == [
        {"label": 1, "in0": [vocab["a"], 1, vocab["plays"]], "in1": [vocab["a"], vocab["man"]]}]
    assert [r["label"] for r in read_jsonl(tmp_path / "train.jsonl")] == [2, 1, 0]
    named = [("sentence1" if value == "1" else value) for value in args]
    assert o2v(named) == 1  # named columns need a header
    assert "without a header row, columns are numbers" in capsys.readouterr().err


def test_pretrained_vectors_trimmed_to_a_vocabulary_that_covers_every_input(tmp_path, capsys):
    glove = tmp_path / "glove.txt"
    glove.write_text("the 0.1 0.2\nzebra 0.3 0.4\nman 0.5 0.6\nunused 0.7 0.8\n. . . 0.9 1.0\n")
    train = write_jsonl(tmp_path / "train.jsonl", [{"in0": "the man", "in1": "the dog", "label": 1}])
    test = write_jsonl(tmp_path / "test.jsonl", [{"in0": "a zebra", "in1": "the yak", "label": 0}])
    assert o2v(["prepare", "--input", str(train), str(test), "--output", str(tmp_path / "a.jsonl"),
                str(tmp_path / "b.jsonl"), "--vocab", str(tmp_path / "aux" / "vocab.json"),
                "--pretrained", str(glove)]) == 0
    vocab = load_vocab(tmp_path / "aux" / "vocab.json")
    # the train tokens first (by count), then the test tokens that have a vector
    assert vocab == {"<pad>": 0, "<unk>": 1, "the": 2, "dog": 3, "man": 4, "zebra": 5}
    lines = (tmp_path / "aux" / "vocab.vectors.txt").read_text().splitlines()
    assert lines == ["the 0.1 0.2", "man 0.5 0.6", "zebra 0.3 0.4"]
    assert read_jsonl(tmp_path / "b.jsonl")[0]["in0"] == [1, 5]  # "a" has no vector: <unk>
    assert "wrote 3 vectors (2-d)" in capsys.readouterr().out


def test_saved_tokenisation_is_reused_and_an_old_vocabulary_refused_with_buckets(tmp_path, capsys):
    train = write_jsonl(tmp_path / "train.jsonl", [{"in0": "Hello, World!", "in1": "hello", "label": 1}])
    dev = write_jsonl(tmp_path / "dev.jsonl", [{"in0": "HELLO world; bye", "in1": "bye", "label": 0}])
    vocab = tmp_path / "vocab.json"
    prepare_pairs(train, tmp_path / "t.jsonl", vocab_path=vocab, pattern="alphanumeric", oov_buckets=3)
    report = prepare_pairs(dev, tmp_path / "d.jsonl", vocab_path=vocab)  # the saved settings
    layer = TextPreprocessor.from_vocabulary_file(vocab)
    assert layer.pattern_name == "alphanumeric" and report.vocab_sizes["in0"] == 4 + 3
    assert read_jsonl(tmp_path / "d.jsonl")[0]["in0"] == layer.id_lists(["HELLO world; bye"])[0]
    with pytest.raises(O2VError, match="built with pattern="):
        prepare_pairs(dev, tmp_path / "d.jsonl", vocab_path=vocab, pattern="words")
    old = tmp_path / "old" / "vocab.json"
    old.parent.mkdir()
    old.write_text(json.dumps({"<pad>": 0, "<unk>": 1, "hello": 2}))  # keras_o2v 0.1: no settings
    assert o2v(["prepare", "--input", str(dev), "--output", str(tmp_path / "o.jsonl"), "--vocab",
                str(old), "--oov-buckets", "8"]) == 1
    assert "crc32" in capsys.readouterr().err and not (tmp_path / "o.jsonl").exists()
    assert o2v(["prepare", "--input", str(dev), "--output", str(tmp_path / "o.jsonl"), "--vocab",
                str(old)]) == 0  # without buckets its ids involve no hash
    assert read_jsonl(tmp_path / "o.jsonl")[0]["in0"] == [2, 1, 1, 1]
    assert o2v(["prepare", "--input", str(dev), "--output", str(tmp_path / "o.jsonl"), "--vocab",
                str(old), "--oov-buckets", "8", "--rebuild"]) == 0


def test_pre_tokenized_lists_are_looked_up_in_the_graph_table(tmp_path):
    raw = write_jsonl(tmp_path / "raw.jsonl", [{"in0": ["Men", "<unk>", "men"], "in1": "men", "label": 1}])
    prepare_pairs(raw, tmp_path / "o.jsonl", vocab_path=tmp_path / "v.json", oov_buckets=4)
    layer = TextPreprocessor.from_vocabulary_file(tmp_path / "v.json")
    ids = read_jsonl(tmp_path / "o.jsonl")[0]["in0"]
    assert ids == layer.lookup(["Men", "<unk>", "men"]).numpy().tolist()  # as given: not lowercased
    assert ids[1] == 1 and ids[0] != ids[2]


def test_cut_only_options_are_refused_by_prepare_and_the_old_spelling_still_cuts(tmp_path, capsys):
    raw = write_jsonl(tmp_path / "raw.jsonl", [{"in0": "a b", "in1": "b", "label": 1}])
    assert o2v(["prepare", "--input", str(raw), "--output", str(tmp_path / "o.jsonl"), "--vocab",
                str(tmp_path / "v.json"), "--window", "3", "--seed", "2"]) == 2
    assert "--window, --seed cut pairs from documents: they are options of `o2v cut`" in \
        capsys.readouterr().err
    corpus = tmp_path / "c.txt"
    corpus.write_text("w1 w2 w3 w4 w5 w6\nw7 w8 w9 w10\n")
    for argv in (["prepare", "--cut", "rest"], ["cut", "--mode", "rest"]):
        out = tmp_path / f"{argv[0]}.jsonl"
        assert o2v([*argv, "--input", str(corpus), "--output", str(out), "--vocab",
                    str(tmp_path / "cv.json"), "--window", "2", "--seed", "1"]) == 0
    captured = capsys.readouterr()
    assert "o2v prepare --cut MODE is deprecated" in captured.err
    assert (tmp_path / "prepare.jsonl").read_text() == (tmp_path / "cut.jsonl").read_text()
    assert "in0 lengths: p50 2, p95 2, max 2" in captured.out


def test_every_option_of_prepare_and_cut_has_help():
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for name in ("prepare", "cut"):
        for action in commands[name]._actions:
            if action.option_strings and action.help is not argparse.SUPPRESS:
                assert action.help and len(action.help) > 10, (name, action.option_strings)

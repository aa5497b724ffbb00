"""Sentence-pair loaders: STS Benchmark and SICK on the shared copies, formats and bad input on tmp files."""

import gzip
import json
import os

import numpy as np
import pytest

from keras_o2v.datasets import (
    NLI_CLASSES,
    SentencePairs,
    load_multinli,
    load_sick,
    load_snli,
    load_sts_benchmark,
    load_text_pairs,
)
from keras_o2v.errors import DataError
from tests.harness import shared_data

DATA = shared_data("sentence-pairs")
needs_data = pytest.mark.skipif(DATA is None, reason="no ../shared/data/sentence-pairs beside the "
                                "repository (the STS Benchmark and SICK copies)")


def sts(split):
    return load_sts_benchmark(os.path.join(DATA, "stsbenchmark"), split)


def sick(split, task="relatedness"):
    return load_sick(os.path.join(DATA, "sick2014"), split, task=task)


# === The shared files ===
@needs_data
@pytest.mark.parametrize("split, count, first, last", [
    ("train", 5749, (5.0, "A plane is taking off.", "An air plane is taking off."),
     (0.0, "Putin spokesman: Doping charges appear unfounded",
      "The Latest on Severe Weather: 1 Dead in Texas After Tornado")),
    ("validation", 1500, (5.0, "A man with a hard hat is dancing.", "A man wearing a hard hat is dancing."),
     (0.0, "New video shows US police officers beating mentally-ill man",
      "New York police officer critically wounded in hatchet attack")),
    ("test", 1379, (2.5, "A girl is styling her hair.", "A girl is brushing her hair."),
     (0.0, "South Korea declares end to MERS outbreak",
      "North Korea Delegation Meets With South Korean Officials")),
])
def test_sts_benchmark_splits(split, count, first, last):
    pairs = sts(split)
    assert len(pairs) == count and pairs.labels.dtype == np.float32 and pairs.label_names is None
    for index, (score, text0, text1) in ((0, first), (-1, last)):
        assert (pairs.labels[index], pairs.texts0[index], pairs.texts1[index]) == (score, text0, text1)
    assert pairs.labels.min() == 0 and pairs.labels.max() == 5 and pairs.skipped == {}


@needs_data
def test_sts_benchmark_keeps_quotes_and_drops_source_fields():
    test = sts("test")
    # line 643 has two source fields after the sentences; line 408 a quoted phrase
    assert test.texts1[642] == 'My answer to your question is "Probably Not".'
    assert (test.labels[642], test.labels[407]) == (1.0, np.float32(3.2))
    assert test.texts0[407] == 'A young boy jumping into a pool that says "no diving".'


@needs_data
@pytest.mark.parametrize("split, count, first, last", [
    ("train", 4500, (4.5, "NEUTRAL", "A group of kids is playing in a yard and an old man is standing "
                     "in the background"), (1.0, "NEUTRAL", "Three dogs are resting on a sidewalk")),
    ("dev", 500, (3.6, "CONTRADICTION", "The young boys are playing outdoors and the man is smiling nearby"),
     (1.0, "NEUTRAL", "A young man is pushing a motocross bike down a dirt hill")),
    ("test", 4927, (3.3, "NEUTRAL", "There is no boy playing outdoors and there is no man smiling"),
     (1.0, "NEUTRAL", "A man is in a parking lot and is playing tennis against a large wall")),
])
def test_sick_splits_both_tasks(split, count, first, last):
    relatedness, entailment = sick(split), sick(split, "entailment")
    assert len(relatedness) == len(entailment) == count
    assert entailment.labels.dtype == np.int64 and entailment.label_names == NLI_CLASSES
    for index, (score, judgment, text0) in ((0, first), (-1, last)):
        assert relatedness.labels[index] == np.float32(score)
        assert entailment.label_names[entailment.labels[index]] == judgment.lower()
        assert relatedness.texts0[index] == entailment.texts0[index] == text0
    assert 1 <= relatedness.labels.min() and relatedness.labels.max() <= 5
    assert relatedness.texts1 == entailment.texts1


@needs_data
def test_sick_e_test_histogram():
    test = sick("test", "entailment")
    counts = dict(zip(test.label_names, np.bincount(test.labels, minlength=3).tolist()))
    assert counts == {"entailment": 1414, "neutral": 2793, "contradiction": 720}
    assert not any(text.endswith("\r") for text in test.texts1)  # the test file has CRLF endings


@needs_data
def test_json_lines_round_trip(tmp_path):
    for pairs in (sts("dev"), sick("dev", "entailment")):
        path = tmp_path / "pairs.jsonl"
        assert pairs.write_jsonl(path) == len(pairs)
        first = json.loads(path.read_text().splitlines()[0])
        assert set(first) == {"label", "in0", "in1"} and isinstance(first["in0"], str)
        back = load_text_pairs(path, "in0", "in1", "label", label_names=pairs.label_names)
        assert (back.texts0, back.texts1, back.label_names) == (pairs.texts0, pairs.texts1,
                                                                pairs.label_names)
        np.testing.assert_array_equal(back.labels, pairs.labels)
        assert back.labels.dtype == pairs.labels.dtype
    assert first["label"] in (0, 1, 2) and os.listdir(tmp_path) == ["pairs.jsonl"]


# === Formats on tmp files ===
def write(path, text, mode="w"):
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_headerless_tsv_by_index_with_a_class_map_built_from_the_data(tmp_path):
    path = write(tmp_path / "pairs.tsv", "9\ta b\tc d\n\n10\te\tf\n2\tg\th\n")
    pairs = load_text_pairs(path, 1, 2, 0, label_type="class")
    assert pairs.label_names == ("2", "9", "10")  # integers sort as numbers
    assert pairs.labels.tolist() == [1, 2, 0] and pairs.texts1 == ["c d", "f", "h"]
    scores = load_text_pairs(path, 1, 2, 0)  # auto: every label is a number
    assert scores.labels.tolist() == [9.0, 10.0, 2.0] and scores.label_names is None
    names = load_text_pairs(write(tmp_path / "names.tsv", "x\ty\tneutral\nx\ty\tcontradiction\n"),
                            0, 1, 2)
    assert names.label_names == ("contradiction", "neutral") and names.labels.tolist() == [1, 0]


def test_csv_with_quotes_commas_and_a_quoted_line_break(tmp_path):
    path = write(tmp_path / "pairs.csv", 'id,s1,s2,score\n'
                 '1,"He said ""hi"", then left","Hello, world",4.5\n'
                 '2,"two\nlines",plain,1\n'
                 '3,x,,2\n')
    with pytest.raises(DataError) as error:  # an empty s2 on line 5 (after the 2-line record)
        load_text_pairs(path, "s1", "s2", "score")
    assert str(error.value) == f"{path}:5: column 's2' is empty"
    write(path, path.read_text().replace("3,x,,2", "3,x,y,2"))
    pairs = load_text_pairs(path, "s1", "s2", "score")
    assert pairs.texts0 == ['He said "hi", then left', "two\nlines", "x"]
    assert pairs.texts1 == ["Hello, world", "plain", "y"] and pairs.labels.tolist() == [4.5, 1, 2]


def test_snli_and_multinli_presets_count_the_no_consensus_rows(tmp_path):
    rows = [("A man sleeps.", "A person rests.", "entailment"), ("A dog.", "A cat.", "-"),
            ("Kids play.", "Nobody plays.", "contradiction"), ("Sun.", "Rain.", "-"),
            ("Two men.", "Brothers.", "neutral")]
    lines = "".join(json.dumps({"gold_label": label, "sentence1": s1, "sentence2": s2,
                                "annotator_labels": [label]}) + "\n" for s1, s2, label in rows)
    write(tmp_path / "snli_1.0_dev.jsonl", lines)
    pairs = load_snli(tmp_path, "validation")
    assert len(pairs) == 3 and pairs.num_skipped == 2
    assert pairs.skipped == {"gold_label '-' (no annotator consensus)": 2}
    assert pairs.labels.tolist() == [0, 2, 1] and pairs.label_names == NLI_CLASSES
    assert pairs.texts1 == ["A person rests.", "Nobody plays.", "Brothers."]
    with gzip.open(tmp_path / "multinli_1.0_dev_matched.jsonl.gz", "wt", encoding="utf-8") as out:
        out.write(lines)
    matched = load_multinli(tmp_path, "dev_matched")
    assert matched.labels.tolist() == [0, 2, 1] and matched.num_skipped == 2
    with pytest.raises(DataError, match="multinli_1.0_dev_mismatched.jsonl:0: no such file"):
        load_multinli(tmp_path, "dev_mismatched")
    with pytest.raises(ValueError, match="split must be one of"):
        load_multinli(tmp_path, "test")


def test_format_from_the_first_line_when_the_extension_says_nothing(tmp_path):
    path = write(tmp_path / "pairs.data", '{"a": "x", "b": "y", "s": 3}\n')
    assert load_text_pairs(path, "a", "b", "s").labels.tolist() == [3.0]


def test_sentence_pairs_checks_lengths_and_writes_atomically(tmp_path):
    with pytest.raises(ValueError, match="same length"):
        SentencePairs(["a"], ["b", "c"], np.zeros(1, np.float32))
    pairs = SentencePairs(["a"], ["b"], np.array([0.1], np.float32))
    path = tmp_path / "out.jsonl"
    assert pairs.write_jsonl(path) == 1
    assert path.read_text() == '{"label": 0.1, "in0": "a", "in1": "b"}\n'


# === Bad input: file and line named ===
@pytest.mark.parametrize("name, content, call, message", [
    ("a.tsv", "s1\ts2\tscore\nx\ty\t1\nx\ty\n", {}, "a.tsv:3: 2 fields, expected 3"),
    ("a.tsv", "s1\ts2\tscore\nx\ty\tfive\n", {"label_type": "score"},
     "a.tsv:2: score 'five' in column 'score' is not a number"),
    ("a.tsv", "s1\ts2\tscore\nx\ty\tNEUTRAL\nx\ty\tMAYBE\n", {"label_map": {"NEUTRAL": 0}},
     "a.tsv:3: unknown class 'MAYBE' in column 'score' (known: ['NEUTRAL'])"),
    ("a.tsv", "s1\ts2\tscore\nx\t  \t1\n", {}, "a.tsv:2: column 's2' is empty"),
    ("a.tsv", b"s1\ts2\tscore\nx\ty\t1\nx\t\xff\t2\n", {}, "a.tsv:3: not valid UTF-8: invalid start byte"),
    ("a.tsv", "s1\tsecond\tscore\nx\ty\t1\n", {}, "a.tsv:1: the header has no column 's2'"),
    ("a.jsonl", '{"s1": "x", "s2": "y", "score": 1}\n{"s1": "x", "score": 2}\n', {},
     "a.jsonl:2: missing key(s) ['s2']"),
    ("a.jsonl", '{"s1": "x", "s2": "y", "score": 1}\n{"s1": "x",\n', {}, "a.jsonl:2: malformed JSON"),
    ("a.jsonl", '{"s1": "x", "s2": 7, "score": 1}\n', {}, "a.jsonl:1: column 's2' must be a text"),
    ("a.csv", 's1,s2,score\n"x,y,1\n', {}, "a.csv:2: malformed CSV"),
    ("a.jsonl", '{"s1": "x", "s2": "y", "score": 1}\n{"s1": "x", "s2": "y", "score": 3}\n',
     {"label_names": ("no", "yes")}, "a.jsonl:2: unknown class '3' in column 'score' (known: ['0', '1'])"),
])
def test_bad_lines_are_named(tmp_path, name, content, call, message):
    path = write(tmp_path / name, content, "wb" if isinstance(content, bytes) else "w")
    with pytest.raises(DataError) as error:
        load_text_pairs(path, "s1", "s2", "score", **call)
    assert str(error.value).startswith(f"{tmp_path}/{message}")


def test_every_bad_line_is_reported_and_a_missing_file_is_line_0(tmp_path):
    write(tmp_path / "sts-dev.csv", "g\tf\t2012\t1\t4.0\ta\tb\n"
          "g\tf\t2012\t2\tx\ta\tb\n" "g\tf\t2012\t3\t1.0\ta\n" "g\tf\t2012\t4\t2.0\ta\tb\tsource\n")
    with pytest.raises(DataError) as error:
        load_sts_benchmark(tmp_path, "dev")
    assert [(line, text) for _, line, text in error.value.problems] == [
        (2, "score 'x' in column 4 is not a number"), (3, "6 fields, expected 7 or more")]
    with pytest.raises(DataError, match=r"sts-test.csv:0: no such file \(the STS Benchmark test split\)"):
        load_sts_benchmark(tmp_path, "test")
    with pytest.raises(DataError, match="missing.tsv:0: cannot open: No such file"):
        load_text_pairs(tmp_path / "missing.tsv", 0, 1, 2)
    with pytest.raises(ValueError, match="is a folder: name the SICK split"):
        load_sick(tmp_path)


def test_empty_texts_can_be_skipped_and_counted(tmp_path):
    path = write(tmp_path / "a.tsv", "s1\ts2\tscore\nx\t\t1\nx\ty\t2\n")
    pairs = load_text_pairs(path, "s1", "s2", "score", empty="skip")
    assert pairs.texts0 == ["x"] and pairs.skipped == {"empty text": 1}

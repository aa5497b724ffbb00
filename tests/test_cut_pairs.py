"""Pairs cut from unlabeled documents: modes, edge cases, determinism, sizes, errors, the CLI."""

import json

import numpy as np
import pytest

import keras_o2v
from keras_o2v.cli import main as o2v
from keras_o2v.errors import DataError, O2VError
from keras_o2v.preprocessing import cut_pairs
from keras_o2v.preprocessing.document_units import make_pair, unit_spans

WORDS = [f"w{i}" for i in range(40)]


def corpus(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


def numbered(count, start=0):
    """A document of `count` distinct words, so every cut can be traced back to positions."""
    return " ".join(WORDS[start:start + count])


def read(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def decode(vocab_path, ids):
    words = {i: w for w, i in json.loads(open(vocab_path).read()).items()}
    return [words[i] for i in ids]


def test_rest_mode_tiles_each_document_and_keeps_every_token(tmp_path):
    text = corpus(tmp_path / "c.txt", [numbered(7), "", numbered(5, 10), "w30"])
    vocab = tmp_path / "v.json"
    report = cut_pairs(text, tmp_path / "p.jsonl", vocab_path=vocab, window=3)
    pairs = read(tmp_path / "p.jsonl")
    assert all(p["label"] == 1 for p in pairs)
    # 7 tokens: windows (0,3) (3,6) and the last one (4,7); 5 tokens: windows of 5 // 2 = 2
    windows = [decode(vocab, p["in0"]) for p in pairs]
    assert windows == [["w0", "w1", "w2"], ["w3", "w4", "w5"], ["w4", "w5", "w6"],
                       ["w10", "w11"], ["w12", "w13"], ["w13", "w14"]]
    for pair in pairs:  # the rest is the document without the window, in order
        rest, window = decode(vocab, pair["in1"]), decode(vocab, pair["in0"])
        document = sorted(rest + window, key=lambda w: int(w[1:]))
        assert rest == [w for w in document if w not in window]
    assert (report.pairs, report.documents, report.used_documents) == (6, 4, 2)
    assert (report.empty_documents, report.short_documents) == (1, 1)  # "" and "w30"
    assert report.hyperparameters() == {"enc0_vocab_size": report.vocab_size,
                                        "enc0_max_seq_len": 3, "enc1_max_seq_len": 4,
                                        "training_objective": "retrieval"}


def test_pair_and_context_modes(tmp_path):
    text = corpus(tmp_path / "c.txt", [numbered(9), numbered(2, 20)])
    vocab = tmp_path / "v.json"
    cut_pairs(text, tmp_path / "pair.jsonl", vocab_path=vocab, mode="pair", window=3, seed=4)
    for pair in read(tmp_path / "pair.jsonl"):
        first, second = decode(vocab, pair["in0"]), decode(vocab, pair["in1"])
        assert len(first) == len(second) and not set(first) & set(second)  # no overlap
    cut_pairs(text, tmp_path / "ctx.jsonl", vocab_path=vocab, mode="context", window=2)
    contexts = [(decode(vocab, p["in0"]), decode(vocab, p["in1"])) for p in read(tmp_path / "ctx.jsonl")]
    assert len(contexts) == 9 + 2
    assert contexts[0] == (["w1", "w2"], ["w0"])  # the document's edge: only the right side
    assert contexts[4] == (["w2", "w3", "w5", "w6"], ["w4"])
    assert contexts[-1] == (["w20"], ["w21"])


def test_sentences_as_units(tmp_path):
    lines = [json.dumps({"text": "w1 w2. w3 w4 w5! w6"}), json.dumps({"text": ["w7 w8", "w9"]}),
             json.dumps({"text": "w10 w11 w12."}), ""]  # one sentence: no pair; blank: no document
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(lines) + "\n")
    vocab = tmp_path / "v.json"
    words = keras_o2v.preprocessing.Tokenizer(keras_o2v.preprocessing.ALPHANUMERIC_WORDS)
    report = cut_pairs(path, tmp_path / "p.jsonl", vocab_path=vocab, unit="sentence",
                       tokenizer=words)
    pairs = [(decode(vocab, p["in0"]), decode(vocab, p["in1"])) for p in read(tmp_path / "p.jsonl")]
    assert pairs == [(["w1", "w2"], ["w3", "w4", "w5", "w6"]), (["w3", "w4", "w5"], ["w1", "w2", "w6"]),
                     (["w6"], ["w1", "w2", "w3", "w4", "w5"]), (["w7", "w8"], ["w9"]),
                     (["w9"], ["w7", "w8"])]
    assert (report.documents, report.short_documents) == (3, 1)
    with pytest.raises(O2VError, match="unit='sentence' does not apply"):
        cut_pairs(path, tmp_path / "x.jsonl", vocab_path=vocab, mode="context", unit="sentence")


def test_deterministic_for_a_seed_and_sized_by_per_document_and_max_pairs(tmp_path):
    lengths = np.random.default_rng(0).integers(4, 30, 50)
    starts = np.random.default_rng(1).integers(0, 10, 50)
    documents = [numbered(int(n), int(s)) for n, s in zip(lengths, starts)]
    text = corpus(tmp_path / "c.txt", documents)
    outputs = {}
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        report = cut_pairs(text, tmp_path / f"{name}.jsonl", vocab_path=tmp_path / "v.json",
                           mode="pair", window=2, per_document=2, seed=seed)
        outputs[name] = (tmp_path / f"{name}.jsonl").read_bytes()
        assert report.pairs == report.available == 100
    assert outputs["a"] == outputs["b"] and outputs["a"] != outputs["c"]
    report = cut_pairs(text, tmp_path / "m.jsonl", vocab_path=tmp_path / "v.json", window=2,
                       max_pairs=37, seed=3)
    assert report.pairs == 37 and report.available > 300
    assert len(read(tmp_path / "m.jsonl")) == 37
    # spread over the corpus (the first 37 pairs would come from about 6 documents)
    assert report.used_documents >= 30


def test_bad_lines_are_listed_and_nothing_is_written(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "w1 w2 w3"}\n\n{"body": "w1"}\n{"text": 3}\nnot json\n')
    with pytest.raises(DataError) as error:
        cut_pairs(path, tmp_path / "p.jsonl", vocab_path=tmp_path / "v.json")
    assert [line for _, line, _ in error.value.problems] == [3, 4, 5]
    assert "missing column 'text'" in str(error.value)
    assert not (tmp_path / "p.jsonl").exists() and not (tmp_path / "v.json").exists()
    text = corpus(tmp_path / "c.txt", ["", "w1"])
    with pytest.raises(DataError, match="no pair can be cut: 2 documents, 1 empty, 1 too short"):
        cut_pairs(text, tmp_path / "p.jsonl", vocab_path=tmp_path / "v.json")
    with pytest.raises(O2VError, match="window must be a positive integer"):
        cut_pairs(text, tmp_path / "p.jsonl", vocab_path=tmp_path / "v.json", window=0)


def test_an_existing_vocabulary_is_reused(tmp_path):
    vocab = tmp_path / "v.json"
    cut_pairs(corpus(tmp_path / "a.txt", [numbered(6)]), tmp_path / "a.jsonl", vocab_path=vocab)
    before = vocab.read_text()
    report = cut_pairs(corpus(tmp_path / "b.txt", ["w0 w1 new words"]), tmp_path / "b.jsonl",
                       vocab_path=vocab)
    assert vocab.read_text() == before and report.map.action == "reused"
    assert report.unknown_tokens == 2 and read(tmp_path / "b.jsonl")[0]["in1"] == [1, 1]
    # with oov_buckets an unseen word gets a hashed id after the vocabulary's, the same
    # one wherever it occurs
    report = cut_pairs(corpus(tmp_path / "c.txt", ["w0 new w1 new"]), tmp_path / "c.jsonl",
                       vocab_path=vocab, oov_buckets=8)
    size = report.map.size
    assert report.vocab_size == size + 8 and report.unknown_tokens == 2
    pair = read(tmp_path / "c.jsonl")[0]  # ["w0", "new"] against ["w1", "new"]
    bucket = keras_o2v.preprocessing.tokens_to_ids(["new"], json.loads(before), oov_buckets=8)[0]
    assert size <= bucket < size + 8 and pair["in0"] == [2, bucket] and pair["in1"][1] == bucket


def test_unit_spans_and_pairs_of_one_document():
    assert unit_spans(1, [], "rest", "window", 3) == []
    assert unit_spans(6, [], "rest", "window", 2, stride=1) == [(0, 2), (1, 3), (2, 4), (3, 5), (4, 6)]
    # with a short stride a middle window of a short document overlaps every other one
    assert unit_spans(4, [], "pair", "window", 2, stride=1) == [(0, 2), (2, 4)]
    assert unit_spans(5, [(0, 5)], "rest", "sentence", 3) == []
    rng = np.random.default_rng(0)
    assert make_pair(list(range(10, 16)), [(0, 2), (2, 4), (4, 6)], 1, "rest", 2, rng) == \
        ([12, 13], [10, 11, 14, 15])


def test_prepare_cut_then_train_a_retrieval_job(tmp_path, capsys):
    rng = np.random.default_rng(0)
    topics = [WORDS[i::4] for i in range(4)]
    text = corpus(tmp_path / "c.txt", [" ".join(rng.choice(topics[i % 4], 12)) for i in range(40)])
    vocab, pairs = str(tmp_path / "vocab.json"), str(tmp_path / "train.jsonl")
    assert o2v(["prepare", "--cut", "rest", "--input", text, "--output", pairs, "--vocab", vocab,
                "--window", "3", "--per-document", "2", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "wrote 80 pairs (label 1)" in out and "training_objective=retrieval" in out
    hyperparameters = dict(item.split("=") for item in out.strip().splitlines()[-1].split())
    result = keras_o2v.train({**hyperparameters, "enc0_network": "pooled_embedding",
                              "enc0_pooling": "idf", "enc0_token_embedding_dim": "8",
                              "tied_token_embedding_weight": "true", "epochs": "1",
                              "mini_batch_size": "16"},
                             train=pairs, model_dir=tmp_path / "job", seed=0, verbose=0)
    assert np.isfinite(result.history[-1]["train:retrieval_cross_entropy"])
    assert "enc0_pooling=idf: token weights from 80 in0 objects" in capsys.readouterr().out
    assert o2v(["prepare", "--cut", "rest", "--input", text, "--output", pairs, "--vocab", vocab,
                "--in0-type", "ids"]) == 2

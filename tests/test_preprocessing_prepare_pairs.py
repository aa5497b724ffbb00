"""Tests for keras_o2v.preprocessing.prepare_pairs on small generated files."""

import json

import pytest

from keras_o2v.errors import DataError, O2VError
from keras_o2v.preprocessing import prepare_pairs
from keras_o2v.pretrained import load_vocab
from tests.harness import read_jsonl, write_jsonl

PAIRS = [
    ("A soccer game.", "Men playing sport", 1),
    ("A cat sat", "A dog, sleeping", 0),
    ("Men playing a game", "A soccer game", 1),
]


def write_tsv(path, header, rows):
    lines = ["\t".join(header)] + ["\t".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def decode(ids, vocab):
    inverse = {i: token for token, i in vocab.items()}
    return [inverse[i] for i in ids]


def test_text_pairs_from_tsv_share_one_vocabulary(tmp_path):
    raw = write_tsv(tmp_path / "raw.tsv", ["in0", "in1", "label"], PAIRS)
    report = prepare_pairs(raw, tmp_path / "train.jsonl", vocab_path=tmp_path / "vocab.json")
    vocab = load_vocab(tmp_path / "vocab.json")
    records = read_jsonl(tmp_path / "train.jsonl")
    assert [list(r) for r in records] == [["label", "in0", "in1"]] * 3
    assert [r["label"] for r in records] == [1, 0, 1]
    assert decode(records[0]["in0"], vocab) == ["a", "soccer", "game", "."]
    assert decode(records[1]["in1"], vocab) == ["a", "dog", ",", "sleeping"]
    # "a" occurs 5 times, then "game" 3; reserved ids first.
    assert vocab["<pad>"] == 0 and vocab["<unk>"] == 1 and vocab["a"] == 2 and vocab["game"] == 3
    assert report.records == 3
    assert report.hyperparameters() == {
        "enc0_vocab_size": len(vocab),
        "enc0_max_seq_len": 4,
        "enc1_vocab_size": len(vocab),
        "enc1_max_seq_len": 4,
    }
    assert [(m.action, m.size) for m in report.maps] == [("built", len(vocab))]


def test_jsonl_input_gives_the_same_records_as_tsv(tmp_path):
    tsv = write_tsv(tmp_path / "raw.tsv", ["in0", "in1", "label"], PAIRS)
    rows = [{"in0": a, "in1": b, "label": y} for a, b, y in PAIRS]
    jsonl = write_jsonl(tmp_path / "raw.jsonl", rows)
    prepare_pairs(tsv, tmp_path / "a.jsonl", vocab_path=tmp_path / "v1.json")
    prepare_pairs(jsonl, tmp_path / "b.jsonl", vocab_path=tmp_path / "v2.json")
    assert read_jsonl(tmp_path / "a.jsonl") == read_jsonl(tmp_path / "b.jsonl")
    assert (tmp_path / "v1.json").read_text() == (tmp_path / "v2.json").read_text()


def test_rerun_and_validation_data_reuse_the_vocabulary(tmp_path):
    train = write_tsv(tmp_path / "train.tsv", ["in0", "in1", "label"], PAIRS)
    vocab_path = tmp_path / "vocab.json"
    prepare_pairs(train, tmp_path / "train.jsonl", vocab_path=vocab_path, min_count=2)
    first_vocab = vocab_path.read_text()
    first = (tmp_path / "train.jsonl").read_text()
    # Re-running gives identical ids, even if the options that shape a new vocabulary change.
    report = prepare_pairs(train, tmp_path / "train.jsonl", vocab_path=vocab_path, max_vocab=3)
    assert report.maps[0].action == "reused"
    assert (tmp_path / "train.jsonl").read_text() == first
    assert vocab_path.read_text() == first_vocab
    # Unseen words in validation data map to <unk>=1.
    val = write_tsv(tmp_path / "val.tsv", ["in0", "in1", "label"], [("a zebra game", "men", 0)])
    report = prepare_pairs(val, tmp_path / "val.jsonl", vocab_path=vocab_path)
    vocab = load_vocab(vocab_path)
    assert read_jsonl(tmp_path / "val.jsonl") == [
        {"label": 0, "in0": [vocab["a"], 1, vocab["game"]], "in1": [vocab["men"]]}
    ]
    assert report.inputs["in0"].unknown == 1 and report.inputs["in0"].total == 3


def test_extend_appends_new_tokens_and_rebuild_starts_over(tmp_path):
    vocab_path = tmp_path / "vocab.json"
    prepare_pairs(write_tsv(tmp_path / "a.tsv", ["in0", "in1", "label"], PAIRS[:1]),
                  tmp_path / "a.jsonl", vocab_path=vocab_path)
    old = load_vocab(vocab_path)
    raw = write_tsv(tmp_path / "b.tsv", ["in0", "in1", "label"], [("zebra zebra yak", "game", 1)])
    report = prepare_pairs(raw, tmp_path / "b.jsonl", vocab_path=vocab_path, maps="extend")
    new = load_vocab(vocab_path)
    assert {t: new[t] for t in old} == old
    assert new["zebra"] == len(old) and new["yak"] == len(old) + 1
    assert (report.maps[0].action, report.maps[0].added) == ("extended", 2)
    report = prepare_pairs(raw, tmp_path / "b.jsonl", vocab_path=vocab_path, maps="rebuild")
    assert load_vocab(vocab_path) == {"<pad>": 0, "<unk>": 1, "zebra": 2, "game": 3, "yak": 4}
    assert report.maps[0].action == "rebuilt"


def test_category_and_ids_inputs_with_id_maps_next_to_the_output(tmp_path):
    rows = [
        {"user": 196, "movie": "m242", "rating": 3, "tags": [4, 5]},
        {"user": "186", "movie": "m302", "rating": 3.5, "tags": 7},
        {"user": 196, "movie": "m377", "rating": 1, "tags": [2]},
    ]
    raw = write_jsonl(tmp_path / "ratings.jsonl", rows)
    out = tmp_path / "out" / "train.jsonl"
    report = prepare_pairs(raw, out, in0_type="category", in0_column="user", in1_type="ids",
                           in1_column="tags", label_column="rating")
    users = load_vocab(tmp_path / "out" / "user.ids.json")
    assert users == {"<pad>": 0, "<unk>": 1, "196": 2, "186": 3}
    assert read_jsonl(out) == [
        {"label": 3, "in0": [2], "in1": [4, 5]},
        {"label": 3.5, "in0": [3], "in1": [7]},
        {"label": 1, "in0": [2], "in1": [2]},
    ]
    assert report.vocab_sizes == {"in0": 4, "in1": 8}
    assert report.hyperparameters()["enc0_max_seq_len"] == 1
    assert report.hyperparameters()["enc1_max_seq_len"] == 2


def test_two_category_columns_get_their_own_maps_or_share_one(tmp_path):
    raw = write_tsv(tmp_path / "pairs.tsv", ["a", "b", "label"], [("x", "y", 1), ("y", "z", 0)])
    common = dict(in0_type="category", in1_type="category", in0_column="a", in1_column="b",
                  id_map_dir=tmp_path / "maps")
    prepare_pairs(raw, tmp_path / "own.jsonl", **common)
    assert load_vocab(tmp_path / "maps" / "a.ids.json") == {"<pad>": 0, "<unk>": 1, "x": 2, "y": 3}
    assert load_vocab(tmp_path / "maps" / "b.ids.json") == {"<pad>": 0, "<unk>": 1, "y": 2, "z": 3}
    shared = tmp_path / "items.json"
    prepare_pairs(raw, tmp_path / "shared.jsonl", in0_map=shared, in1_map=shared, **common)
    assert load_vocab(shared) == {"<pad>": 0, "<unk>": 1, "y": 2, "x": 3, "z": 4}
    assert read_jsonl(tmp_path / "shared.jsonl") == [
        {"label": 1, "in0": [3], "in1": [2]},
        {"label": 0, "in0": [2], "in1": [4]},
    ]


def test_every_bad_row_is_reported_and_nothing_is_written(tmp_path):
    lines = [
        '{"in0": "ok text", "in1": [3], "label": 1}',
        '{"in0": "missing label", "in1": [3]}',
        '{"in0": "x", "in1": [3], "label": "1"}',
        "not json",
        '{"in0": 5, "in1": [-1], "label": true}',
        "",
        '{"in0": "   ", "in1": [], "label": NaN}',
        '["a list"]',
    ]
    raw = tmp_path / "raw.jsonl"
    raw.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as info:
        prepare_pairs(raw, tmp_path / "train.jsonl", vocab_path=tmp_path / "vocab.json",
                      in1_type="ids")
    problems = info.value.problems
    assert all(path == str(raw) for path, _, _ in problems)
    by_line = {}
    for _, line, message in problems:
        by_line.setdefault(line, []).append(message)
    assert sorted(by_line) == [2, 3, 4, 5, 7, 8]
    assert by_line[2] == ["missing column 'label'"]
    assert "JSON number" in by_line[3][0]
    assert "invalid JSON" in by_line[4][0]
    assert len(by_line[5]) == 3  # in0 not text, negative id, boolean label
    assert len(by_line[7]) == 3  # no tokens, empty ids, non-finite label
    assert "JSON object" in by_line[8][0]
    assert f"{raw}:4: invalid JSON" in str(info.value)
    assert not (tmp_path / "train.jsonl").exists()
    assert not (tmp_path / "vocab.json").exists()


def test_tsv_problems_name_lines(tmp_path):
    raw = tmp_path / "raw.tsv"
    raw.write_text("in0\tin1\tlabel\na b\t1 2\t1\nonly two\tfields\nc\t3,x\tfour\n")
    with pytest.raises(DataError) as info:
        prepare_pairs(raw, tmp_path / "o.jsonl", vocab_path=tmp_path / "v.json", in1_type="ids")
    assert [(line, msg.split(":")[0]) for _, line, msg in info.value.problems] == [
        (3, "row has 2 tab-separated fields, the header has 3"),
        (4, "'in1'"),
        (4, "'label'"),
    ]


def test_reused_map_without_unk_makes_unknown_keys_errors(tmp_path):
    vocab_path = tmp_path / "vocab.json"
    vocab_path.write_text(json.dumps({"<pad>": 0, "cat": 2, "sat": 3}))
    rows = [("cat sat", "cat", 1), ("dog", "cat", 0)]
    raw = write_tsv(tmp_path / "raw.tsv", ["in0", "in1", "label"], rows)
    with pytest.raises(DataError, match=r"raw.tsv:3: 'in0': \['dog'\] not in .*no '<unk>'"):
        prepare_pairs(raw, tmp_path / "o.jsonl", vocab_path=vocab_path)
    # In a text vocabulary id 1 is the unknown token's, even when it has no "<unk>" entry.
    vocab_path.write_text(json.dumps({"<pad>": 0, "cat": 1, "sat": 2}))
    with pytest.raises(DataError, match="id 1 is the unknown token's"):
        prepare_pairs(raw, tmp_path / "o.jsonl", vocab_path=vocab_path)
    vocab_path.write_text(json.dumps({"cat": 0, "<unk>": 1}))
    with pytest.raises(DataError, match="id 0 is reserved for padding"):
        prepare_pairs(raw, tmp_path / "o.jsonl", vocab_path=vocab_path)


def test_argument_errors(tmp_path):
    raw = write_tsv(tmp_path / "raw.tsv", ["in0", "in1", "label"], PAIRS)
    with pytest.raises(O2VError, match="give a vocabulary file"):
        prepare_pairs(raw, tmp_path / "o.jsonl")
    with pytest.raises(O2VError, match="type must be one of"):
        prepare_pairs(raw, tmp_path / "o.jsonl", in0_type="image", in1_type="ids")
    with pytest.raises(DataError, match="input file not found"):
        prepare_pairs(tmp_path / "absent.tsv", tmp_path / "o.jsonl", vocab_path=tmp_path / "v.json")


def test_records_without_label_for_inference_input(tmp_path):
    raw = write_tsv(tmp_path / "raw.tsv", ["in0", "in1"], [("a b", "b")])
    prepare_pairs(raw, tmp_path / "o.jsonl", vocab_path=tmp_path / "v.json", label_column=None)
    assert read_jsonl(tmp_path / "o.jsonl") == [{"in0": [3, 2], "in1": [2]}]  # "b" is most frequent

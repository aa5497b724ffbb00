"""End-to-end tests of `o2v prepare` through keras_o2v.cli.main."""

import json

import pytest

from keras_o2v.cli import main
from keras_o2v.pretrained import load_vocab
from tests.harness import read_jsonl


def test_text_pairs_then_validation_with_the_same_vocab(tmp_path, capsys):
    train = tmp_path / "train.tsv"
    train.write_text(
        "s1\ts2\tgold\nA man plays.\tA man sleeps.\t2\nA man plays\tSomeone plays\t0\n"
    )
    args = ["prepare", "--input", str(train), "--output", str(tmp_path / "train.jsonl"),
            "--vocab", str(tmp_path / "vocab.json"), "--in0-column", "s1", "--in1-column", "s2",
            "--label-column", "gold", "--min-count", "2"]
    assert main(args) == 0
    out = capsys.readouterr().out
    vocab = load_vocab(tmp_path / "vocab.json")
    assert vocab == {"<pad>": 0, "<unk>": 1, "a": 2, "man": 3, "plays": 4, ".": 5}
    assert read_jsonl(tmp_path / "train.jsonl") == [
        {"label": 2, "in0": [2, 3, 4, 5], "in1": [2, 3, 1, 5]},
        {"label": 0, "in0": [2, 3, 4], "in1": [1, 4]},
    ]
    assert "wrote 2 records" in out
    assert "enc0_vocab_size=6 enc0_max_seq_len=4 enc1_vocab_size=6 enc1_max_seq_len=4" in out

    val = tmp_path / "val.jsonl"
    val.write_text(json.dumps({"s1": "The man", "s2": "plays", "gold": 1}) + "\n")
    args[2], args[4] = str(val), str(tmp_path / "val_ids.jsonl")
    assert main(args) == 0
    assert "reused" in capsys.readouterr().out
    assert read_jsonl(tmp_path / "val_ids.jsonl") == [{"label": 1, "in0": [1, 3], "in1": [4]}]
    assert load_vocab(tmp_path / "vocab.json") == vocab


def test_user_item_ratings_with_id_maps(tmp_path, capsys):
    raw = tmp_path / "ratings.data"
    raw.write_text("user\titem\trating\n196\t242\t3\n186\t302\t3\n196\t302\t1\n")
    maps = tmp_path / "maps"
    assert main(["prepare", "--input", str(raw), "--format", "tsv",
                 "--output", str(tmp_path / "train.jsonl"), "--in0-type", "category",
                 "--in0-column", "user", "--in1-type", "category", "--in1-column", "item",
                 "--label-column", "rating", "--id-map-dir", str(maps)]) == 0
    assert load_vocab(maps / "user.ids.json") == {"<pad>": 0, "<unk>": 1, "196": 2, "186": 3}
    assert load_vocab(maps / "item.ids.json") == {"<pad>": 0, "<unk>": 1, "302": 2, "242": 3}
    assert read_jsonl(tmp_path / "train.jsonl") == [
        {"label": 3, "in0": [2], "in1": [3]},
        {"label": 3, "in0": [3], "in1": [2]},
        {"label": 1, "in0": [2], "in1": [2]},
    ]
    assert "enc0_vocab_size=4 enc0_max_seq_len=1 enc1_vocab_size=4" in capsys.readouterr().out

    new = tmp_path / "new.tsv"
    new.write_text("user\titem\trating\n999\t242\t5\n")
    base = ["prepare", "--input", str(new), "--output", str(tmp_path / "new.jsonl"),
            "--in0-type", "category", "--in0-column", "user", "--in1-type", "category",
            "--in1-column", "item", "--label-column", "rating", "--id-map-dir", str(maps)]
    assert main(base) == 0  # unseen user -> <unk>
    assert read_jsonl(tmp_path / "new.jsonl") == [{"label": 5, "in0": [1], "in1": [3]}]
    assert main(base + ["--extend"]) == 0  # unseen user gets the next id
    assert read_jsonl(tmp_path / "new.jsonl") == [{"label": 5, "in0": [4], "in1": [3]}]
    assert load_vocab(maps / "user.ids.json")["999"] == 4
    assert "extended" in capsys.readouterr().out


def test_bad_input_exits_1_with_file_and_line(tmp_path, capsys):
    raw = tmp_path / "raw.jsonl"
    raw.write_text(
        '{"in0": "ok", "in1": "ok", "label": 1}\n{"in0": "x", "in1": "y", "label": "one"}\n'
    )
    out = tmp_path / "train.jsonl"
    assert main(["prepare", "--input", str(raw), "--output", str(out),
                 "--vocab", str(tmp_path / "v.json")]) == 1
    err = capsys.readouterr().err
    assert f"{raw}:2: 'label'" in err
    assert not out.exists()


def test_usage_errors(tmp_path, capsys):
    raw = tmp_path / "raw.jsonl"
    raw.write_text('{"in0": "ok", "in1": "ok", "label": 1}\n')
    assert main(["prepare", "--input", str(raw), "--output", str(tmp_path / "o.jsonl")]) == 1
    assert "give a vocabulary file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["prepare", "--input", str(raw), "--output", "o", "--extend", "--rebuild"])
    with pytest.raises(SystemExit):
        main(["prepare", "--input", str(raw), "--output", "o", "--min-count", "0"])

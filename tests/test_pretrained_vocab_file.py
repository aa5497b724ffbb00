"""Tests for keras_o2v.pretrained.load_vocab."""

import json

import pytest

from keras_o2v.errors import DataError
from keras_o2v.pretrained import load_vocab


def write(tmp_path, text, name="vocab.json"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_token_to_id_mapping_in_file_order(tmp_path):
    path = write(tmp_path, json.dumps({"<pad>": 0, "<unk>": 1, "the": 2, "été": 7}))
    vocab = load_vocab(path, vocab_size=8)
    assert vocab == {"<pad>": 0, "<unk>": 1, "the": 2, "été": 7}
    assert list(vocab) == ["<pad>", "<unk>", "the", "été"]


def test_invalid_json_names_file_and_line(tmp_path):
    path = write(tmp_path, '{"a": 0,\n "b": 1,\n "c" 2}')
    with pytest.raises(DataError) as info:
        load_vocab(path)
    (problem,) = info.value.problems
    assert problem[0] == str(path)
    assert problem[1] == 3
    assert "invalid JSON" in problem[2]


def test_top_level_must_be_an_object(tmp_path):
    path = write(tmp_path, '["a", "b"]')
    with pytest.raises(DataError, match="JSON object"):
        load_vocab(path)


def test_all_bad_ids_are_reported_together(tmp_path):
    text = '{"a": 0, "b": 1.5, "c": true, "d": "3", "e": -2, "f": 0, "a": 4, "g": 9}'
    path = write(tmp_path, text)
    with pytest.raises(DataError) as info:
        load_vocab(path, vocab_size=9)
    messages = [message for _, _, message in info.value.problems]
    assert len(messages) == 7
    assert "'b' has id 1.5, expected an integer" in messages[0]
    assert "'c' has id True" in messages[1]
    assert "'d' has id '3'" in messages[2]
    assert "negative id -2" in messages[3]
    assert "'f' has id 0, already used by token 'a'" in messages[4]
    assert "'a' is listed more than once" in messages[5]
    assert "not less than vocab_size=9" in messages[6]
    assert all(path_ == str(tmp_path / "vocab.json") for path_, _, _ in info.value.problems)
    assert str(tmp_path / "vocab.json") in str(info.value)


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read vocabulary file"):
        load_vocab(tmp_path / "absent.json")

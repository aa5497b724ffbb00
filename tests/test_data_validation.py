import json

import pytest

from keras_o2v import DataError, Hyperparameters, validate_files
from keras_o2v.data import iter_chunks

HP = Hyperparameters(enc0_max_seq_len=3, enc0_vocab_size=10, enc1_vocab_size=8, num_classes=3)

LINES = [
    ('{"label": 1, "in0": [1, 2, 3, 4, 5], "in1": [4]}', None),
    ('{"label": 1 "in0": [1], "in1": [1]}', "malformed JSON"),
    ('[1, 2]', "expected a JSON object"),
    ('{"in0": [1], "in1": [1]}', "missing key(s) 'label'"),
    ('{"label": 0, "in1": [1]}', "missing key(s) 'in0'"),
    ('{"label": 0, "in0": "1 2", "in1": [1]}', "'in0' must be a list"),
    ('{"label": 0, "in0": [1, 2.5], "in1": [1]}', "'in0' id 2.5 is not an integer"),
    ('{"label": 0, "in0": [1, "2"], "in1": [1]}', "'in0' id \"2\" is not an integer"),
    ('{"label": 0, "in0": [1, true], "in1": [1]}', "'in0' holds a boolean"),
    ('{"label": 0, "in0": [-1], "in1": [1]}', "'in0' id -1 is negative"),
    ('{"label": 0, "in0": [10], "in1": [1]}',
     "'in0' id 10 is out of vocabulary (not less than enc0_vocab_size=10)"),
    ('{"label": 0, "in0": [1], "in1": [8]}',
     "'in1' id 8 is out of vocabulary (not less than enc1_vocab_size=8)"),
    ('{"label": 0, "in0": [], "in1": [1]}', "'in0' is empty"),
    ('{"label": 3, "in0": [1], "in1": [1]}', "'label' 3 is not a class id in [0, 3)"),
    ('{"label": 1.5, "in0": [1], "in1": [1]}', "'label' 1.5 is not a class id"),
    ('{"label": "1", "in0": [1], "in1": [1]}', "'label' must be a number"),
    ('{"label": 2, "in0": [9], "in1": [7]}', None),
]


@pytest.fixture
def mixed_file(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(line for line, _ in LINES) + "\n\n")
    return str(path)


def test_validator_reports_every_bad_record_with_file_and_line(mixed_file):
    report = validate_files(mixed_file, HP)
    expected = {number: message for number, (_, message) in enumerate(LINES, 1) if message}
    assert {line for _, line, _ in report.problems} == set(expected)
    for path, line, message in report.problems:
        assert path == mixed_file
        assert expected[line] in message, (line, message)
    assert report.records == 2 and not report.ok
    with pytest.raises(DataError, match=r"mixed.jsonl:2: malformed JSON"):
        report.raise_if_bad()


def test_reading_without_validator_raises_on_bad_records(mixed_file):
    with pytest.raises(DataError) as info:
        list(iter_chunks(mixed_file, HP))
    assert len(info.value.problems) == 15


def test_non_finite_regression_label_is_rejected(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"label": NaN, "in0": [1], "in1": [1]}\n{"label": 4.5, "in0": [1], "in1": [1]}\n')
    hp = Hyperparameters(enc0_max_seq_len=3, enc0_vocab_size=10, output_layer="mean_squared_error")
    report = validate_files(str(path), hp)
    assert report.problems == [(str(path), 1, "'label' must be finite, got nan")]
    assert report.records == 1


def test_inherited_vocab_size_error_explains_the_inheritance(tmp_path):
    path = tmp_path / "v.jsonl"
    path.write_text('{"label": 1, "in0": [1], "in1": [2]}\n')
    hp = Hyperparameters(enc0_max_seq_len=1, enc0_vocab_size=2)
    (problem,) = validate_files(str(path), hp).problems
    assert "enc1_vocab_size=2 (inherited from enc0_vocab_size" in problem[2]


def test_good_records_are_truncated_not_dropped(tmp_path):
    path = tmp_path / "ok.jsonl"
    path.write_text(json.dumps({"label": 2, "in0": [1, 2, 3, 4, 5], "in1": [7, 6, 5, 4]}) + "\n")
    (chunk,) = list(iter_chunks(str(path), HP))
    assert chunk.in0_values.tolist() == [1, 2, 3] and chunk.in0_lengths.tolist() == [3]
    assert chunk.in1_values.tolist() == [7, 6, 5] and chunk.labels.tolist() == [2]


def test_folder_channel_reads_all_shards_in_order(tmp_path):
    folder = tmp_path / "train"
    folder.mkdir()
    for shard in range(3):
        (folder / f"part-{shard}.jsonl").write_text(
            json.dumps({"label": shard, "in0": [shard + 1], "in1": [1]}) + "\n")
    (folder / ".hidden").write_text("not data\n")
    labels = [int(label) for chunk in iter_chunks(str(folder), HP) for label in chunk.labels]
    assert labels == [0, 1, 2]


def test_missing_channel_is_an_error(tmp_path):
    with pytest.raises(DataError, match="no such file or folder"):
        validate_files(str(tmp_path / "nope.jsonl"), HP)

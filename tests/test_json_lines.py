"""The JSON Lines reader shared by candidate, object and vector files."""

import pytest

from keras_o2v.data.json_lines import read_json_lines
from keras_o2v.errors import DataError
from keras_o2v.export.candidates import read_candidates


def test_lines_are_numbered_from_one_blank_lines_skipped_and_bad_lines_named(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"in1": [1]}\n\n   \n[1, 2]\n{"in1": [\n"text"\n\xff\xfe\n'
                     + b"[" * 100_000 + b"\n7")
    lines = list(read_json_lines(path))
    assert [line.number for line in lines] == [1, 4, 5, 6, 7, 8, 9]
    assert lines[0].record == {"in1": [1]} and lines[0].problem is None
    assert lines[1].record == [1, 2]
    assert lines[2].record is None and lines[2].problem.startswith("malformed JSON: Expecting value")
    assert lines[3].record == "text" and lines[3].problem is None
    assert lines[4].problem == "not valid UTF-8: invalid start byte"
    assert lines[5].problem.startswith("malformed JSON: maximum recursion depth exceeded")
    assert lines[6].record == 7  # the last line needs no newline


def test_a_missing_file_is_a_data_error_at_line_zero(tmp_path):
    missing = tmp_path / "nowhere.jsonl"
    with pytest.raises(DataError, match=r"nowhere.jsonl:0: cannot open: No such file or directory"):
        list(read_json_lines(missing))
    with pytest.raises(DataError, match="cannot open"):  # a reader built on it says the same
        read_candidates(str(missing))


def test_every_bad_line_of_a_candidate_file_is_reported_at_once(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_bytes(b'{"id": 1, "in1": [2]}\n{"id": 1, "in1": [3]}\n\xff\n{"id": 2, "in1": [4]\n')
    with pytest.raises(DataError) as error:
        read_candidates(str(path))
    assert [(line, message.split(":")[0]) for _, line, message in error.value.problems] == [
        (2, "candidate id 1 already given on line 1"), (3, "not valid UTF-8"), (4, "malformed JSON")]

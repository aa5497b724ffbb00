"""Reading vectors files: JSON Lines and .npy, and errors that name file and line."""

import json

import numpy as np
import pytest

from keras_o2v.errors import DataError
from keras_o2v.neighbors import read_vectors, write_neighbors


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


def test_reads_jsonl_ids_vectors_fields_and_lines(tmp_path):
    path = write_lines(tmp_path / "v.jsonl", [
        json.dumps({"id": "a", "embedding": [1, 2], "truth": "x"}),
        "",
        json.dumps({"id": 7, "embeddings": [3.5, -1], "truth": "y"}),
    ])
    result = read_vectors(path, fields=["truth"])
    assert result.ids == ["a", 7]
    assert result.vectors.dtype == np.float32
    np.testing.assert_array_equal(result.vectors, [[1, 2], [3.5, -1]])
    assert result.fields == {"truth": ["x", "y"]}
    assert result.lines == [1, 3]


def test_missing_ids_default_to_record_number(tmp_path):
    path = write_lines(tmp_path / "v.jsonl", ['{"embedding": [1]}', '{"embedding": [2]}'])
    assert read_vectors(path).ids == [0, 1]


@pytest.mark.parametrize("line, message", [
    ('{"id": "b", "embedding": [1, 2', "malformed JSON"),
    ('[1, 2, 3]', "expected a JSON object"),
    ('{"id": "b"}', "missing key 'embeddings'"),
    ('{"id": "b", "embedding": [1, "x", 3]}', "list of numbers"),
    ('{"id": "b", "embedding": [1, 2]}', "dimension 2, expected 3"),
    ('{"id": "b", "embedding": [1, NaN, 3]}', "NaN or infinite"),
    ('{"id": [1], "embedding": [1, 2, 3]}', "'id' must be a string or an integer"),
])
def test_bad_jsonl_line_names_file_and_line(tmp_path, line, message):
    path = write_lines(tmp_path / "bad.jsonl", ['{"id": "a", "embedding": [1, 2, 3]}', line])
    with pytest.raises(DataError, match=message) as info:
        read_vectors(path)
    assert info.value.problems[0][:2] == (path, 2)
    assert f"{path}:2:" in str(info.value)


def test_all_bad_lines_are_reported(tmp_path):
    path = write_lines(tmp_path / "bad.jsonl", ["{", '{"embedding": [1]}', "nope"])
    with pytest.raises(DataError) as info:
        read_vectors(path)
    assert [line for _, line, _ in info.value.problems] == [1, 3]


def test_expected_dimension_and_missing_field(tmp_path):
    path = write_lines(tmp_path / "q.jsonl", ['{"id": 1, "embedding": [1, 2]}'])
    with pytest.raises(DataError, match=r"q.jsonl:1: embedding has dimension 2, expected 4"):
        read_vectors(path, dim=4)
    with pytest.raises(DataError, match=r"q.jsonl:1: missing key 'truth'"):
        read_vectors(path, fields=["truth"])


def test_empty_file_is_an_error(tmp_path):
    with pytest.raises(DataError, match="no vectors"):
        read_vectors(write_lines(tmp_path / "e.jsonl", [""]))


def test_reads_npy_with_and_without_sidecar_ids(tmp_path):
    array = np.arange(6, dtype=np.float64).reshape(3, 2)
    np.save(tmp_path / "v.npy", array)
    result = read_vectors(str(tmp_path / "v.npy"))
    assert result.ids == [0, 1, 2] and result.lines is None
    np.testing.assert_array_equal(result.vectors, array)
    (tmp_path / "v.ids.txt").write_text("a\nb\nc\n")
    assert read_vectors(str(tmp_path / "v.npy")).ids == ["a", "b", "c"]
    (tmp_path / "v.ids.txt").write_text("a\nb\n")
    with pytest.raises(DataError, match=r"v.ids.txt:2: 2 ids for 3 vectors"):
        read_vectors(str(tmp_path / "v.npy"))


def test_bad_npy_is_an_error(tmp_path):
    np.save(tmp_path / "v.npy", np.array([[1.0, np.nan], [1.0, 2.0]]))
    with pytest.raises(DataError, match=r"v.npy:row 0: NaN"):
        read_vectors(str(tmp_path / "v.npy"))
    np.save(tmp_path / "w.npy", np.ones((2, 3)))
    with pytest.raises(DataError, match="dimension 3, expected 2"):
        read_vectors(str(tmp_path / "w.npy"), dim=2)
    np.save(tmp_path / "x.npy", np.ones(3))
    with pytest.raises(DataError, match="2-D"):
        read_vectors(str(tmp_path / "x.npy"))


def test_write_neighbors_format(tmp_path):
    path = tmp_path / "out.jsonl"
    write_neighbors(str(path), [np.int64(4), "q"], [["a", None], [np.int64(1), "b"]],
                    np.array([[0.5, np.nan], [2.0, 1.0]], dtype=np.float32))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines == [
        {"id": 4, "neighbors": [{"id": "a", "score": 0.5}, {"id": None, "score": None}]},
        {"id": "q", "neighbors": [{"id": 1, "score": 2.0}, {"id": "b", "score": 1.0}]},
    ]

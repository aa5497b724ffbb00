"""The block fast path of the record parser: same chunks as line by line, never accepts a bad line."""

import json

import numpy as np
import pytest

from keras_o2v import Hyperparameters
from keras_o2v.data import records as records_module
from keras_o2v.data.fast_parse import parse_well_formed
from keras_o2v.data.records import RecordParser
from keras_o2v.errors import DataError

CLASSIFY = Hyperparameters(enc0_max_seq_len=3, enc0_vocab_size=10, enc1_max_seq_len=2,
                           enc1_vocab_size=8, num_classes=3)
REGRESS = CLASSIFY.replace(output_layer="mean_squared_error")


def chunks_equal(a, b):
    for field in ("in0_values", "in0_lengths", "in1_values", "in1_lengths", "labels"):
        x, y = getattr(a, field), getattr(b, field)
        assert (x is None) == (y is None), field
        if x is not None:
            assert x.dtype == y.dtype, field
            np.testing.assert_array_equal(x, y, err_msg=field)


@pytest.mark.parametrize("hp, labels", [(CLASSIFY, [0, 2, 1.0, 1]), (REGRESS, [3.5, -1, 0, 2])])
@pytest.mark.parametrize("as_bytes", [True, False])
def test_fast_path_gives_the_line_by_line_chunk(monkeypatch, hp, labels, as_bytes):
    records = [{"label": labels[0], "in0": [1, 2, 3, 4, 5], "in1": [7]},
               {"in1": [0, 6, 5], "in0": [9], "label": labels[1], "extra": "ignored"},
               {"label": labels[2], "in0": [3, 3], "in1": [1, 2]},
               {"label": labels[3], "in0": [0], "in1": [4, 4, 4, 4]}]
    lines = [json.dumps(r) + "\n" for r in records]
    lines.insert(2, "   \n")
    if as_bytes:
        lines = [line.encode() for line in lines]
    parser = RecordParser(hp)
    assert parse_well_formed(lines, parser) is not None
    fast = parser.parse(lines, "f.jsonl", 1)
    monkeypatch.setattr(records_module, "parse_well_formed", lambda lines, parser: None)
    slow = parser.parse(lines, "f.jsonl", 1)
    chunks_equal(fast, slow)
    assert fast.in0_lengths.tolist() == [3, 1, 2, 1]  # truncated to enc0_max_seq_len=3
    assert fast.in1_values.tolist() == [7, 0, 6, 1, 2, 4, 4]


@pytest.mark.parametrize("bad", [
    '{"label": 1, "in0": [1], "in1": [2]}, {"label": 1, "in0": [1], "in1": [2]}',
    '{"label": 1, "in0": [1], "in1": [2]',
    '[1, 2]',
    '{"label": 1, "in0": [1]}',
    '{"in0": [1], "in1": [2]}',
    '{"label": 1, "in0": [], "in1": [2]}',
    '{"label": 1, "in0": "12", "in1": [2]}',
    '{"label": 1, "in0": [true], "in1": [2]}',
    '{"label": 1, "in0": [1.0], "in1": [2]}',
    '{"label": 1, "in0": [-1], "in1": [2]}',
    '{"label": 1, "in0": [10], "in1": [2]}',
    '{"label": 1, "in0": [1], "in1": [8]}',
    '{"label": 1, "in0": [1], "in1": [99999999999999999999999]}',
    '{"label": 3, "in0": [1], "in1": [2]}',
    '{"label": 1.5, "in0": [1], "in1": [2]}',
    '{"label": true, "in0": [1], "in1": [2]}',
    '{"label": "1", "in0": [1], "in1": [2]}',
    '{"label": NaN, "in0": [1], "in1": [2]}',
    '{"label": 1, "in0": [1], "in0": [2], "in1": [2]}',
    '{"label": 1, "in0" : [1], "in1": [2], "in0":[3]}',
    '{"label": 1, "in0": [1], "in1": [2], "label": 0}',
])
def test_fast_path_declines_every_bad_line_and_the_parser_names_it(bad):
    good = '{"label": 1, "in0": [1], "in1": [2]}'
    lines = [good, bad, good]
    parser = RecordParser(CLASSIFY)
    assert parse_well_formed(lines, parser) is None
    with pytest.raises(DataError) as info:
        parser.parse(lines, "f.jsonl", 10)
    assert "f.jsonl:11" in str(info.value)


def test_regression_takes_any_finite_number_and_inference_needs_no_label():
    lines = ['{"label": 1e3, "in0": [1], "in1": [2]}', '{"label": -2, "in0": [1], "in1": [2]}']
    (_, _), (_, _), labels = parse_well_formed(lines, RecordParser(REGRESS))
    assert labels.dtype == np.float32 and labels.tolist() == [1000.0, -2.0]
    no_label = ['{"in0": [1], "in1": [2]}']
    assert parse_well_formed(no_label, RecordParser(CLASSIFY, require_label=False))[2] is None


@pytest.mark.parametrize("line, key", [
    ('{"in0": [1], "in0": [2], "in1": [3], "label": 1}', "in0"),
    ('{"in0": [1], "in1": [3], "label": 1, "in1" :\t[2]}', "in1"),
    ('{"label": 1, "in0": [1], "in1": [2], "note": "a\\":b", "label": 0}', "label"),
])
def test_a_repeated_key_is_refused_with_file_and_line_by_both_paths(line, key):
    good = '{"label": 1, "in0": [1], "in1": [2], "note": "x\\": y"}'  # a '":' inside a string
    parser = RecordParser(CLASSIFY)
    assert parser.parse([good, good], "f.jsonl", 1).labels.tolist() == [1, 1]
    with pytest.raises(DataError, match=f"f.jsonl:8: repeated key '{key}'"):
        parser.parse([good, line], "f.jsonl", 7)

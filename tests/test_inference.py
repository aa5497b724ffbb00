"""The inference protocol helpers, without a model: parsing, modes, padding, TF Serving JSON."""

import json

import numpy as np
import pytest

from keras_o2v.inference import (
    InferenceError,
    Instance,
    choose_accept,
    decode_request,
    encode_response,
    parse_instances,
    plan_batches,
    preferred_mode,
    to_tfserving_request,
    to_tfserving_requests,
)
from keras_o2v.inference.protocol import json_codec
from keras_o2v.inference.protocol.tfserving_json import (
    TensorSpec,
    format_predict_response,
    parse_predict_request,
)
from tests.harness import tiny_hyperparameters

SPECS = {"in0": TensorSpec("DT_INT64", (None, None)), "in1": TensorSpec("DT_INT64", (None, None))}


def test_mode_detection_and_mixed_batches_keep_order():
    instances = parse_instances([{"in0": [1, 2], "in1": [3]}, {"in1": [4, 5, 6]},
                                 {"in0": [7]}, {"in0": [8], "in1": [9, 1], "label": 1}])
    assert [i.signature for i in instances] == ["serving_default", "embed_in1", "embed_in0",
                                                "serving_default"]
    batches = plan_batches(instances)
    assert [(b.signature, b.positions) for b in batches] == [
        ("serving_default", [0, 3]), ("embed_in1", [1]), ("embed_in0", [2])]
    np.testing.assert_array_equal(batches[0].inputs["in1"], [[3, 0], [9, 1]])


def test_to_tfserving_request_pads_ragged_rows():
    body = to_tfserving_request([{"in0": [5, 6, 7], "in1": [1]}, {"in0": [8], "in1": [2, 3]}])
    assert body == {"signature_name": "serving_default", "instances": [
        {"in0": [5, 6, 7], "in1": [1, 0]}, {"in0": [8, 0, 0], "in1": [2, 3]}]}
    with pytest.raises(InferenceError, match="mix modes"):
        to_tfserving_request([{"in0": [1]}, {"in1": [1]}])
    requests = to_tfserving_requests([{"in0": [1]}, {"in1": [1]}, {"in0": [2, 3]}])
    assert [(name, positions) for name, _, positions in requests] == [
        ("embed_in0", [0, 2]), ("embed_in1", [1])]


@pytest.mark.parametrize("record, message", [
    ({"in0": "abc"}, "'in0' must be a list"),
    ({"in0": []}, "'in0' is empty"),
    ({"in0": [1.5]}, "token ids must be integers"),
    ({"in0": [True]}, "token ids must be integers"),
    ({"in0": [-1]}, "negative"),
    ({"in0": [30]}, "out of vocabulary .*enc0_vocab_size=30"),
    ({"in1": [40]}, "enc1_vocab_size=40"),
    ({"label": 1}, "needs 'in0', 'in1' or both"),
    ({"in0": [1], "in_1": [2]}, "unknown key"),
    ([1, 2], "expected a JSON object"),
])
def test_bad_instances_are_named(record, message):
    with pytest.raises(InferenceError, match=message) as error:
        parse_instances([{"in0": [1]}, record], tiny_hyperparameters())
    assert error.value.status == 400 and "instance 1" in str(error.value)


def test_truncation_by_model_and_infer_max_seqlens():
    hp = tiny_hyperparameters()  # enc0_max_seq_len=6, enc1_max_seq_len=4
    instance = parse_instances([{"in0": list(range(1, 10)), "in1": list(range(1, 10))}], hp)[0]
    assert instance == Instance(tuple(range(1, 7)), tuple(range(1, 5)))
    instance = parse_instances([{"in0": list(range(1, 10))}], hp, max_seqlens=(2, 3))[0]
    assert instance.in0 == (1, 2)


def test_sagemaker_content_types_and_accept():
    body = b'{"instances": [{"in0": [1]}]}'
    assert decode_request(body, "application/json; infer_max_seqlens=3,4") == ([{"in0": [1]}], (3, 4))
    assert decode_request(b'{"in0": [1]}\n\n{"in1": [2]}\n', "application/jsonlines")[0] == [
        {"in0": [1]}, {"in1": [2]}]
    for content_type, status in [("text/csv", 415), ("application/json; infer_max_seqlens=0,4", 400),
                                 ("application/json; infer_max_seqlens=7", 400)]:
        with pytest.raises(InferenceError) as error:
            decode_request(body, content_type)
        assert error.value.status == status
    with pytest.raises(InferenceError, match="unable to evaluate payload"):
        decode_request(b'[{"in0": [1]}]', "application/json")
    assert choose_accept(None) == choose_accept("*/*") == "application/json"
    assert choose_accept("application/jsonlines") == "application/jsonlines"
    with pytest.raises(InferenceError) as error:
        choose_accept("text/csv")
    assert error.value.status == 406
    results = [{"scores": [0.25, 0.75]}, {"embeddings": [1.0]}]
    assert encode_response(results, "application/jsonlines") == (
        b'{"scores":[0.25,0.75]}\n{"embeddings":[1.0]}\n')
    many = [{"scores": [i / 4]} for i in range(600)]  # written in chunks, read back whole
    assert json.loads(encode_response(many, "application/json")) == {"predictions": many}
    assert [json.loads(line) for line in encode_response(many, "application/jsonlines")
            .splitlines()] == many


def test_preferred_mode():
    assert preferred_mode({}) is None
    assert preferred_mode({"INFERENCE_PREFERRED_MODE": "embedding"}) == "embedding"
    with pytest.raises(InferenceError, match="classification, embedding"):
        preferred_mode({"INFERENCE_PREFERRED_MODE": "fast"})


@pytest.mark.parametrize("body, message", [
    ('{"instances": [{"in0": [1, 2], "in1": [3]}, {"in0": [1], "in1": [3]}]}',
     "Failed to process element: 1 key: in0 of 'instances' list. Error: INVALID_ARGUMENT: "
     "Expecting tensor size: 2 but got: 1"),
    ('{"inputs": {"in0": [[1, 2], [3]], "in1": [[1], [2]]}}',
     "Encountered list at unexpected size: 1 at level: 1 expected size: 2"),
    ('{"instances": [[1, 2]]}', "instances is a plain list, but expecting list of objects"),
    ('{"inputs": [[1, 2]]}', "inputs is a plain value/list, but expecting an object"),
    ('{"inputs": {"in0": [[1]]}}', "Missing named input: in1 in 'inputs' object."),
    ('{"instances": [{"in0": [1]}]}', "must only have keys: in0,in1"),
    ('{"instances": [{"in0": [1], "in1": [2], "x": [3]}]}', "does not have named input: x"),
    ('{"instances": [{"in0": [1.5], "in1": [2]}]}',
     "JSON Value: 1.5 Type: Number is not of expected type: int64"),
    ('{"instances": [], "signature_name": "serving_default"}', "No values in 'instances' array"),
    ('{"instances": [{"in0": [1], "in1": [2]}], "inputs": {}}', "expecting only one of 'inputs' or"),
    ('{"signature_name": "serving_default"}', "Missing 'inputs' or 'instances' key"),
    ('{"instances": {"in0": [1]}}', "Excepting 'instances' to be an list/array"),
    ('[1]', "Is not object"),
    ('{"instances": [', "JSON Parse error"),
    ('', "The document is empty"),
    ('{"signature_name": 3, "instances": [[1]]}', "'signature_name' key must be a string value"),
    ('{"inputs": {"in0": [1, 2], "in1": [[1]]}}', "has shape \\[2\\] but the signature expects"),
])
def test_tfserving_json_rules(body, message):
    with pytest.raises(InferenceError) as error:
        parse_predict_request(body, lambda name: SPECS)
    assert message in str(error.value) or __import__("re").search(message, str(error.value))
    assert error.value.status == 400


def test_tfserving_row_and_columnar_round_trip():
    row = parse_predict_request('{"instances": [{"in0": [1, 2], "in1": [3]}, '
                                '{"in0": [4, 0], "in1": [5]}]}', lambda name: SPECS)
    assert not row.columnar and row.inputs["in0"].tolist() == [[1, 2], [4, 0]]
    assert row.inputs["in0"].dtype == np.int64
    columnar = parse_predict_request('{"inputs": {"in0": [[1]], "in1": [[1, 2, 3]]}}',
                                     lambda name: SPECS)
    assert columnar.columnar and columnar.inputs["in1"].shape == (1, 3)
    one = {"in0": TensorSpec("DT_INT64", (None, None))}
    assert parse_predict_request('{"instances": [[1, 2], [3, 4]]}',
                                 lambda name: one).inputs["in0"].shape == (2, 2)
    scores = np.array([[0.5, 0.5], [0.25, 0.75]], np.float32)
    def response(outputs, columnar):
        return json.loads(json_codec.dumps(format_predict_response(outputs, columnar)))

    assert response({"scores": scores}, columnar=False) == {
        "predictions": [[0.5, 0.5], [0.25, 0.75]]}
    assert response({"scores": scores}, columnar=True) == {"outputs": [[0.5, 0.5], [0.25, 0.75]]}
    both = response({"a": scores, "b": np.array([1, 2])}, columnar=False)
    assert both == {"predictions": [{"a": [0.5, 0.5], "b": 1}, {"a": [0.25, 0.75], "b": 2}]}

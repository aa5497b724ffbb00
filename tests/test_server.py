"""`o2v serve` over real HTTP: SageMaker invocations, TF Serving REST API, errors, reload, forwarding."""

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import keras_o2v_serving as serving
from keras_o2v.export import export_saved_model
from tests.harness import (
    JSON,
    JSONL,
    ROOT,
    call,
    error_of,
    ok_json,
    predict_scores,
    random_pairs,
    tiny_model,
)


@pytest.fixture(scope="module")
def model(served_tiny_model):
    return served_tiny_model[0]


@pytest.fixture(scope="module")
def server(served_tiny_model):
    return served_tiny_model[1]


@pytest.fixture(scope="module")
def forwarder(server):
    config = serving.ServerConfig(tfserving_url=server, model_name="o2v")
    with serving.BackgroundServer(config) as background:
        yield background.url


# === SageMaker protocol ===

def test_ping(server):
    assert call(server + "/ping")[0] == 200


def test_scores_equal_model_predict(server, model):
    in0, in1 = random_pairs(9, seed=1, max_len=12)
    body = {"instances": [{"in0": a, "in1": b} for a, b in zip(in0, in1)]}
    predictions = ok_json(server + "/invocations", "POST", body)["predictions"]
    scores = np.array([p["scores"] for p in predictions])
    np.testing.assert_allclose(scores, predict_scores(model, in0, in1), atol=1e-5)


def test_embeddings_per_side(server, model):
    in0, in1 = random_pairs(5, seed=2)
    for side, sequences in (("in0", in0), ("in1", in1)):
        body = {"instances": [{side: s} for s in sequences]}
        predictions = ok_json(server + "/invocations", "POST", body)["predictions"]
        expected = model.embed(**{side: sequences})
        np.testing.assert_allclose([p["embeddings"] for p in predictions], expected, atol=1e-5)


def test_mixed_batch_answered_in_order(server, model):
    instances = [{"in0": [1, 2], "in1": [3]}, {"in1": [4, 5]}, {"in0": [6]}, {"in0": [7], "in1": [8]}]
    predictions = ok_json(server + "/invocations", "POST", {"instances": instances})["predictions"]
    assert [list(p) for p in predictions] == [["scores"], ["embeddings"], ["embeddings"], ["scores"]]
    np.testing.assert_allclose(predictions[1]["embeddings"], model.embed(in1=[[4, 5]])[0], atol=1e-5)
    np.testing.assert_allclose(predictions[2]["embeddings"], model.embed(in0=[[6]])[0], atol=1e-5)
    np.testing.assert_allclose(predictions[3]["scores"],
                               predict_scores(model, [[7]], [[8]])[0], atol=1e-5)


def test_jsonlines_in_and_out(server, model):
    in0, in1 = random_pairs(4, seed=5)
    body = "".join(json.dumps({"in0": a, "in1": b}) + "\n" for a, b in zip(in0, in1)).encode()
    status, headers, text = call(server + "/invocations", "POST", body, JSONL, accept=JSONL)
    assert status == 200 and headers["Content-Type"].startswith(JSONL)
    lines = [json.loads(line) for line in text.splitlines()]
    np.testing.assert_allclose([line["scores"] for line in lines],
                               predict_scores(model, in0, in1), atol=1e-5)
    as_json = ok_json(server + "/invocations", "POST", body, JSONL, accept=JSON)
    assert len(as_json["predictions"]) == 4
    status, _, text = call(server + "/invocations", "POST", {"instances": [{"in0": [1]}]},
                           accept=JSONL)
    assert status == 200 and list(json.loads(text.splitlines()[0])) == ["embeddings"]


def test_infer_max_seqlens_truncates(server, model):
    sequence = [3, 4, 5, 6, 7]
    predictions = ok_json(server + "/invocations", "POST", {"instances": [{"in0": sequence}]},
                          content_type=JSON + "; infer_max_seqlens=2,3")["predictions"]
    np.testing.assert_allclose(predictions[0]["embeddings"], model.embed(in0=[[3, 4]])[0], atol=1e-5)
    assert "infer_max_seqlens" in error_of(server + "/invocations", "POST", {"instances": [
        {"in0": [1]}]}, content_type=JSON + "; infer_max_seqlens=0,x")


@pytest.mark.parametrize("body, content_type, accept, status, message", [
    ([{"in0": [1], "in1": [2]}], JSON, None, 400, "unable to evaluate payload provided"),
    (b'{"instances": [', JSON, None, 400, "malformed JSON"),
    ({"instances": []}, JSON, None, 400, "No instances"),
    (b"", JSONL, None, 400, "No instances"),
    ({"instances": [{"in0": [1]}, {"in0": "abc"}]}, JSON, None, 400, "instance 1: 'in0' must be a list"),
    ({"instances": [{"in0": [1, 2.5]}]}, JSON, None, 400, "token ids must be integers"),
    ({"instances": [{"in0": [1, 30]}]}, JSON, None, 400, "enc0_vocab_size=30"),
    ({"instances": [{"in1": [-3]}]}, JSON, None, 400, "'in1' id -3 is negative"),
    ({"instances": [{"label": 1}]}, JSON, None, 400, "needs 'in0', 'in1' or both"),
    (b'{"in0": [1]}\nnot json\n', JSONL, None, 400, "line 2: malformed JSON"),
    ({"instances": [{"in0": [1]}]}, "text/csv", None, 415, "Unsupported Content-Type"),
    ({"instances": [{"in0": [1]}]}, JSON, "text/csv", 406, "Unsupported Accept"),
    (b"x" * 70000, JSON, None, 413, "larger than the limit"),
])
def test_invocation_errors_name_the_problem(server, body, content_type, accept, status, message):
    text = error_of(server + "/invocations", "POST", body, content_type, accept, expected=status)
    assert message in text
    assert call(server + "/ping")[0] == 200  # and the server keeps serving


def test_concurrent_requests(server, model):
    in0, in1 = random_pairs(32, seed=7)
    expected = predict_scores(model, in0, in1)

    def one(i):
        body = {"instances": [{"in0": in0[i], "in1": in1[i]}, {"in0": in0[i]}]}
        return ok_json(server + "/invocations", "POST", body)["predictions"][0]["scores"]

    with ThreadPoolExecutor(16) as pool:
        scores = list(pool.map(one, range(32)))
    np.testing.assert_allclose(scores, expected, atol=1e-5)


# === TF Serving REST API ===

def test_model_status_and_metadata(server):
    status = ok_json(server + "/v1/models/o2v")
    assert status == {"model_version_status": [{"version": "1", "state": "AVAILABLE", "status": {
        "error_code": "OK", "error_message": ""}}]}
    assert ok_json(server + "/v1/models/o2v/versions/1") == status
    assert "Could not find any versions of model other" in error_of(
        server + "/v1/models/other", expected=404)
    assert "Servable not found for request: Specific(o2v, 9)" in error_of(
        server + "/v1/models/o2v/versions/9:predict", "POST", {"instances": [[1]]}, expected=404)
    for url in (server + "/v1/models/o2v/metadata", server + "/v1/models/o2v/versions/1/metadata"):
        metadata = ok_json(url)
        assert metadata["model_spec"] == {"name": "o2v", "signature_name": "", "version": "1"}
        signatures = metadata["metadata"]["signature_def"]["signature_def"]
        assert {"serving_default", "embed_in0", "embed_in1"} <= set(signatures)
        default = signatures["serving_default"]
        assert sorted(default["inputs"]) == ["in0", "in1"]
        assert default["inputs"]["in0"]["dtype"] == "DT_INT64"
        assert list(default["outputs"]) == ["scores"]
        assert default["method_name"] == "tensorflow/serving/predict"


def test_predict_row_and_columnar(server, model):
    in0, in1 = [[1, 2, 3], [4, 5, 0]], [[6], [7]]
    expected = predict_scores(model, in0, in1)
    row = ok_json(server + "/v1/models/o2v:predict", "POST", {"instances": [
        {"in0": a, "in1": b} for a, b in zip(in0, in1)]})
    np.testing.assert_allclose(row["predictions"], expected, atol=1e-5)
    columnar = ok_json(server + "/v1/models/o2v/versions/1:predict", "POST",
                       {"signature_name": "serving_default", "inputs": {"in0": in0, "in1": in1}})
    np.testing.assert_allclose(columnar["outputs"], expected, atol=1e-5)
    embed = ok_json(server + "/v1/models/o2v:predict", "POST",
                    {"signature_name": "embed_in0", "instances": in0})
    np.testing.assert_allclose(embed["predictions"], model.embed(in0=in0), atol=1e-5)
    embed = ok_json(server + "/v1/models/o2v:predict", "POST",
                    {"signature_name": "embed_in1", "inputs": {"in1": in1}})
    np.testing.assert_allclose(embed["outputs"], model.embed(in1=in1), atol=1e-5)


@pytest.mark.parametrize("path, body, status, message", [
    (":predict", {"signature_name": "nope", "instances": [[1]]}, 400,
     'Serving signature name: "nope" not found in signature def'),
    (":predict", {"inputs": {"in0": [[1]]}}, 400, "Missing named input: in1"),
    (":predict", {"instances": [{"in0": [1, 2], "in1": [1]}, {"in0": [1], "in1": [1]}]}, 400,
     "Expecting tensor size: 2 but got: 1"),
    (":predict", {"inputs": {"in0": [[1, 2], [1]], "in1": [[1], [1]]}}, 400,
     "Encountered list at unexpected size: 1 at level: 1 expected size: 2"),
    (":predict", {"instances": [{"in0": [1]}]}, 400, "must only have keys: in0,in1"),
    (":predict", {"instances": []}, 400, "No values in 'instances' array"),
    (":predict", {"instances": [[1]], "inputs": [[1]]}, 400, "expecting only one of"),
    (":predict", {"signature_name": "embed_in0"}, 400, "Missing 'inputs' or 'instances' key"),
    (":predict", {"signature_name": "embed_in0", "instances": [["a"]]}, 400,
     'JSON Value: "a" Type: String is not of expected type: int64'),
    (":predict", {"signature_name": "embed_in0", "instances": [[1, 30]]}, 400,
     "in0 holds a token id that is not less than enc0_vocab_size=30"),
    (":predict", {"signature_name": "embed_in1", "instances": [[-1]]}, 400, "negative token id"),
    (":predict", b"{not json", 400, "JSON Parse error"),
    (":classify", {"examples": []}, 400, "use :predict"),
])
def test_predict_errors_like_tf_serving(server, path, body, status, message):
    assert message in error_of(server + "/v1/models/o2v" + path, "POST", body, expected=status)
    assert call(server + "/v1/models/o2v")[0] == 200


def test_unknown_route_and_method(server):
    assert "Malformed request" in error_of(server + "/v2/x", expected=404)
    assert "not allowed" in error_of(server + "/invocations", "GET", expected=405)


# === Forwarding to TF Serving ===

def test_forwarding_pads_ragged_instances_for_tf_serving(forwarder, model):
    assert call(forwarder + "/ping")[0] == 200
    in0, in1 = random_pairs(6, seed=9)
    instances = [{"in0": a, "in1": b} for a, b in zip(in0, in1)] + [{"in1": in1[0]}, {"in0": [2]}]
    predictions = ok_json(forwarder + "/invocations", "POST", {"instances": instances},
                          accept=JSON)["predictions"]
    np.testing.assert_allclose([p["scores"] for p in predictions[:6]],
                               predict_scores(model, in0, in1), atol=1e-5)
    np.testing.assert_allclose(predictions[6]["embeddings"], model.embed(in1=[in1[0]])[0], atol=1e-5)
    np.testing.assert_allclose(predictions[7]["embeddings"], model.embed(in0=[[2]])[0], atol=1e-5)


def test_forwarding_passes_tf_serving_errors_through(forwarder):
    message = error_of(forwarder + "/invocations", "POST", {"instances": [{"in0": [1, 31]}]})
    assert "enc0_vocab_size=30" in message and message.startswith("TensorFlow Serving:")
    assert "instance 0: 'in0' must be a list" in error_of(
        forwarder + "/invocations", "POST", {"instances": [{"in0": 3}]})


# === New versions and the CLI ===

def test_new_version_is_picked_up_without_restart(tmp_path):
    base = tmp_path / "o2v"
    first = tiny_model("pooled_embedding", seed=1)
    export_saved_model(first, base)
    config = serving.ServerConfig(model_base_path=str(base), poll_seconds=0.2)
    body = {"instances": [{"in0": [1, 2], "in1": [3]}]}
    with serving.BackgroundServer(config) as background:
        before = ok_json(background.url + "/invocations", "POST", body)["predictions"][0]["scores"]
        np.testing.assert_allclose(before, predict_scores(first, [[1, 2]], [[3]])[0], atol=1e-5)
        second = tiny_model("pooled_embedding", seed=2)
        export_saved_model(second, base)
        deadline = time.time() + 120  # loading a version takes seconds; minutes on a loaded CI machine
        while ok_json(background.url + "/v1/models/o2v")["model_version_status"][0] != {
                "version": "2", "state": "AVAILABLE", "status": {"error_code": "OK",
                                                                 "error_message": ""}}:
            assert time.time() < deadline, "version 2 was not loaded"
            time.sleep(0.2)
        after = ok_json(background.url + "/invocations", "POST", body)["predictions"][0]["scores"]
        np.testing.assert_allclose(after, predict_scores(second, [[1, 2]], [[3]])[0], atol=1e-5)


def test_serve_command_in_a_subprocess(server, tmp_path):
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               INFERENCE_PREFERRED_MODE="embedding")
    process = subprocess.Popen(
        [sys.executable, "-m", "keras_o2v.cli", "serve", "--tfserving-url", server,
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 90
        while True:
            try:
                if call(url + "/ping")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            assert time.time() < deadline, "o2v serve did not start"
            time.sleep(0.3)
        predictions = ok_json(url + "/invocations", "POST", {"instances": [{"in1": [1, 2]}]})
        assert list(predictions["predictions"][0]) == ["embeddings"]
    finally:
        process.terminate()
        process.wait(30)
    bad = subprocess.run([sys.executable, "-m", "keras_o2v.cli", "serve", "--tfserving-url",
                          server], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env=dict(env, INFERENCE_PREFERRED_MODE="fast"))
    assert bad.returncode == 2 and "INFERENCE_PREFERRED_MODE" in bad.stderr

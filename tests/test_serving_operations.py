"""`o2v serve` as an operator meets it: limits, hostile bodies, slow clients, versions, gRPC, top-k."""

import json
import logging
import os
import random
import shutil
import socket
import threading
import time

import numpy as np
import pytest

import keras_o2v_serving as serving
from keras_o2v.export import Candidates, export_saved_model
from keras_o2v_serving.keys import SERVICE
from tests.harness import JSON, JSONL, call, error_of, ok_json, predict_scores, tiny_model

CANDIDATE_IDS = np.arange(500, 540)


def candidate_sequences():
    rng = np.random.default_rng(1)
    return [rng.integers(1, 40, rng.integers(1, 5)).tolist() for _ in CANDIDATE_IDS]


@pytest.fixture(scope="module")
def model():
    return tiny_model("pooled_embedding", seed=11)


@pytest.fixture(scope="module")
def base(model, tmp_path_factory):
    base = tmp_path_factory.mktemp("ops") / "o2v"
    export_saved_model(model, base, candidates=Candidates(CANDIDATE_IDS, candidate_sequences()))
    return base


@pytest.fixture(scope="module")
def server(base):
    config = serving.ServerConfig(model_base_path=str(base), max_rows=50, grpc_port=0,
                                  max_request_bytes=256 * 1024, inline_decode_bytes=2048)
    with serving.BackgroundServer(config) as background:
        yield background


def brute_force_top_k(model, in0, k, exclude=()):
    sequences = candidate_sequences()
    scores = predict_scores(model, [in0] * len(sequences), sequences)[:, -1]
    order = [i for i in np.argsort(-scores, kind="stable") if CANDIDATE_IDS[i] not in exclude][:k]
    return CANDIDATE_IDS[order].tolist(), scores[order]


# === Hostile and malformed bodies ===

def hostile_bodies():
    deep = b"[" * 100_000 + b"]" * 100_000
    yield deep
    yield b'{"instances": ' + deep + b"}"
    yield b'{"instances": [{"in0": ' + b"[" * 5000 + b"1" + b"]" * 5000 + b"}]}"
    yield b'{"inputs": {"in0": ' + b"[" * 900 + b"1" + b"]" * 900 + b', "in1": [[1]]}}'
    yield b'{"instances": [{"in0": [1], "in1": ' + b"[" * 60 + b"]" * 60 + b"}]}"
    yield b'{"' * 3000
    yield b"\xff\xfe\x00"
    yield b'{"instances": [{"in0": [1e999], "in1": [NaN]}]}'
    yield b'{"instances": [{"in0": [' + b"9" * 5000 + b"]}]}"
    yield b'{"instances": [{"in0": [true, false], "in1": [null]}]}'
    yield b'{"instances": [{"in0": {"b64": "AAAA"}}], "signature_name": 7}'
    yield b'{"signature_name": "embed_in0", "instances": [[[[[1]]]]]}'
    yield b'{"signature_name": "top_k", "instances": [{"in0": [1], "k": "3"}]}'
    yield b'{"signature_name": "top_k", "inputs": {"in0": [[1]], "k": -2}}'
    yield b'{"instances": "' + b"x" * 1000 + b'"}'
    rng = random.Random(0)
    for _ in range(60):
        yield json.dumps(_random_json(rng, 0)).encode()


def _random_json(rng, depth):
    choice = rng.random()
    if depth > 6 or choice < 0.3:
        return rng.choice([None, True, -1, 0, 2**70, 1.5, "in0", "", [], {}, float("nan")])
    if choice < 0.65:
        return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = ["in0", "in1", "instances", "inputs", "k", "exclude", "signature_name", "label", "x"]
    return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def test_every_malformed_body_gets_a_clear_400_and_one_log_line(server, caplog):
    caplog.set_level(logging.INFO, logger="keras_o2v_serving")
    targets = [("/invocations", JSON), ("/invocations", JSONL), ("/v1/models/o2v:predict", JSON)]
    sent = 0
    for body in hostile_bodies():
        for path, content_type in targets:
            status, headers, text = call(server.url + path, "POST", body, content_type)
            sent += 1
            assert status in (400, 413), (path, body[:80], status, text[:300])
            message = json.loads(text)["error"]
            assert message and "Traceback" not in text and "File \"" not in text
            assert headers["Content-Type"].startswith("application/json")
    rejected = [r for r in caplog.records if r.name == "keras_o2v_serving" and " -> 4" in r.message]
    assert len(rejected) == sent
    assert not [r for r in caplog.records if r.exc_info]
    assert call(server.url + "/ping")[0] == 200


def test_nesting_messages_name_the_problem(server):
    deep = b"[" * 100_000 + b"]" * 100_000
    assert "nested too deeply" in error_of(server.url + "/v1/models/o2v:predict", "POST", deep)
    assert "nested too deeply" in error_of(server.url + "/invocations", "POST", deep)
    body = {"signature_name": "embed_in0", "instances": [[[[[1]]]]]}
    assert "nested 4 lists deep" in error_of(server.url + "/v1/models/o2v:predict", "POST", body)


# === Limits ===

def test_one_row_limit_for_both_apis(server):
    rows = [{"in0": [1], "in1": [2]}] * 51
    for path, body in (("/invocations", {"instances": rows}),
                       ("/v1/models/o2v:predict", {"instances": rows}),
                       ("/v1/models/o2v:predict", {"inputs": {"in0": [[1]] * 51, "in1": [[1]] * 51}})):
        message = error_of(server.url + path, "POST", body, expected=413)
        assert "51" in message and "limit is 50" in message and "--max-rows" in message
    lines = "".join(json.dumps({"in0": [1]}) + "\n" for _ in range(51)).encode()
    assert "limit is 50" in error_of(server.url + "/invocations", "POST", lines, JSONL, expected=413)
    # Large bodies are decoded in a worker process, with the same answers.
    big = {"instances": [{"in0": [1, 2, 3, 4, 5, 6] * 20, "in1": [3]}] * 50}
    assert len(json.dumps(big)) > 2048
    assert len(ok_json(server.url + "/invocations", "POST", big)["predictions"]) == 50
    assert "limit is 50" in error_of(server.url + "/invocations", "POST",
                                     {"instances": big["instances"] * 2}, expected=413)
    assert "larger than the limit" in error_of(server.url + "/invocations", "POST",
                                               b"[" * 300_000, expected=413)


def test_execution_parameters_and_server_header(server):
    status, headers, text = call(server.url + "/execution-parameters")
    assert status == 200 and json.loads(text) == {
        "MaxConcurrentTransforms": 4, "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 1}
    for url in (server.url + "/ping", server.url + "/nowhere"):
        assert call(url)[1]["Server"] == "o2v-serve"
    assert serving.ServerConfig(model_base_path="x").host == "127.0.0.1"


@pytest.fixture
def slow_server(base):
    config = serving.ServerConfig(model_base_path=str(base), max_concurrent_requests=1,
                                  max_queued_requests=1, request_timeout_seconds=0.6,
                                  header_timeout_seconds=0.5, body_timeout_seconds=0.5)
    with serving.BackgroundServer(config) as background:
        runner = background.app[SERVICE].registries["o2v"].latest()
        real_run = runner.run

        def slow_run(signature, inputs):
            time.sleep(1.5)
            return real_run(signature, inputs)

        runner.run = slow_run
        yield background


def test_busy_server_answers_503_then_deadline_504_and_ping_stays_fast(slow_server):
    url = slow_server.url
    body = {"instances": [{"in0": [1], "in1": [2]}]}
    answers = {}

    def send(name):
        answers[name] = call(url + "/invocations", "POST", body)

    first = threading.Thread(target=send, args=("running",))
    first.start()
    time.sleep(0.2)
    second = threading.Thread(target=send, args=("queued",))
    second.start()
    time.sleep(0.1)
    started = time.monotonic()
    status, headers, text = call(url + "/invocations", "POST", body)
    assert status == 503 and headers["Retry-After"] == "1" and "busy" in json.loads(text)["error"]
    assert time.monotonic() - started < 0.4  # refused at once, not queued
    assert call(url + "/ping")[0] == 200  # answered while the slot is taken
    first.join()
    second.join()
    for name in ("running", "queued"):
        status, _, text = answers[name]
        assert status == 504 and "did not finish within 0.6 s" in json.loads(text)["error"]


def test_slow_clients_are_cut_off(slow_server):
    host, port = slow_server.url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port))) as sock:  # headers never finish
        sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\n")
        sock.settimeout(5)
        assert sock.recv(1000) == b""  # closed by the server after the header timeout
    with socket.create_connection((host, int(port))) as sock:  # body never finishes
        sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"instances\"")
        sock.settimeout(5)
        answer = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 408") and b"did not arrive within 0.5 s" in answer


# === Versions ===

def test_503_on_both_apis_until_a_version_is_loaded(tmp_path, model):
    base = tmp_path / "o2v"
    config = serving.ServerConfig(model_base_path=str(base), poll_seconds=0.1)
    with serving.BackgroundServer(config) as background:
        url = background.url
        assert "no version loaded yet" in error_of(url + "/ping", expected=503)
        for path in ("/invocations", "/v1/models/o2v:predict"):
            message = error_of(url + path, "POST", {"instances": [{"in0": [1], "in1": [1]}]},
                               expected=503)
            assert "Model o2v has no version loaded yet" in message and "holds no version" in message
        export_saved_model(model, base)
        deadline = time.time() + 30
        while call(url + "/ping")[0] != 200:
            assert time.time() < deadline
            time.sleep(0.1)
        assert ok_json(url + "/invocations", "POST", {"instances": [{"in0": [1]}]})


def test_failed_version_is_reported_retried_with_backoff_and_logged_once_per_try(
        tmp_path, base, caplog):
    caplog.set_level(logging.INFO, logger="keras_o2v_serving")
    served = tmp_path / "o2v"
    shutil.copytree(base / "1", served / "1")
    config = serving.ServerConfig(model_base_path=str(served), poll_seconds=0.05,
                                  load_retry_seconds=0.4)
    with serving.BackgroundServer(config) as background:
        url = background.url
        shutil.copytree(base / "1", served / "2")
        (served / "2" / "saved_model.pb").write_bytes(b"not a graph")
        deadline = time.time() + 20
        while len(ok_json(url + "/v1/models/o2v")["model_version_status"]) < 2:
            assert time.time() < deadline
            time.sleep(0.05)
        time.sleep(1.0)  # 20 polls; with backoff 0.4, 0.8: 2-3 attempts
        status = ok_json(url + "/v1/models/o2v")["model_version_status"]
        assert status[1] == {"version": "1", "state": "AVAILABLE",
                             "status": {"error_code": "OK", "error_message": ""}}
        assert status[0]["version"] == "2" and status[0]["state"] == "END"
        assert status[0]["status"]["error_code"] not in ("OK", "")
        assert status[0]["status"]["error_message"]
        failures = [r for r in caplog.records if "version 2 failed to load" in r.message]
        assert 1 <= len(failures) <= 3 and not [r for r in caplog.records if r.exc_info]
        assert ok_json(url + "/v1/models/o2v/versions/2")["model_version_status"] == [status[0]]
        assert "Specific(o2v, 2)" in error_of(url + "/v1/models/o2v/versions/2:predict", "POST",
                                              {"instances": [[1]]}, expected=404)
        assert ok_json(url + "/invocations", "POST", {"instances": [{"in0": [1]}]})
        # Fixing the folder (a new fingerprint) loads it at the next poll, and 1 is unloaded.
        shutil.rmtree(served / "2")
        shutil.copytree(base / "1", served / "2")
        deadline = time.time() + 30
        while [s["version"] for s in ok_json(url + "/v1/models/o2v")["model_version_status"]] != ["2"]:
            assert time.time() < deadline
            time.sleep(0.05)


def write_config(path, base, policy, labels=""):
    path.write_text(f"model_config_list {{ config {{ name: 'o2v' base_path: '{base}' "
                    f"model_platform: 'tensorflow' model_version_policy {{ {policy} }} {labels} }} }}")
    os.utime(path, ns=(time.time_ns(), time.time_ns()))


def test_version_policies_and_labels_from_a_model_config_file(tmp_path, base):
    served = tmp_path / "o2v"
    for version in (1, 2, 3):
        shutil.copytree(base / "1", served / str(version))
    config_file = tmp_path / "models.config"
    write_config(config_file, served, "latest { num_versions: 2 }")
    config = serving.ServerConfig(model_config_file=str(config_file), poll_seconds=0.1)

    def versions(url):
        return [(s["version"], s["state"]) for s in ok_json(url + "/v1/models/o2v")[
            "model_version_status"]]

    def wait_for(url, expected):
        deadline = time.time() + 30
        while versions(url) != expected:
            assert time.time() < deadline, versions(url)
            time.sleep(0.1)

    with serving.BackgroundServer(config) as background:
        url = background.url
        assert versions(url) == [("3", "AVAILABLE"), ("2", "AVAILABLE")]
        write_config(config_file, served, "specific { versions: 1 versions: 3 }",
                     "version_labels { key: 'stable' value: 1 } version_labels { key: 'canary' value: 3 }")
        wait_for(url, [("3", "AVAILABLE"), ("1", "AVAILABLE")])
        body = {"signature_name": "embed_in0", "instances": [[1, 2]]}
        for label, version in (("stable", "1"), ("canary", "3")):
            assert ok_json(url + f"/v1/models/o2v/labels/{label}") == {"model_version_status": [{
                "version": version, "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""}}]}
            assert ok_json(url + f"/v1/models/o2v/labels/{label}:predict", "POST", body)
            metadata = ok_json(url + f"/v1/models/o2v/labels/{label}/metadata")
            assert metadata["model_spec"]["version"] == version
        assert "Unrecognized servable version label: beta" in error_of(
            url + "/v1/models/o2v/labels/beta:predict", "POST", body, expected=404)
        write_config(config_file, served, "all {}")
        wait_for(url, [("3", "AVAILABLE"), ("2", "AVAILABLE"), ("1", "AVAILABLE")])
        config_file.write_text("model_config_list { config { name: ")  # broken: kept as it was
        time.sleep(0.5)
        assert len(versions(url)) == 3


# === gRPC and top-k ===

def test_grpc_client_example_and_the_same_answers_as_rest(server, model):
    import grpc
    from google.protobuf import json_format
    from tensorflow_serving.apis import (
        get_model_metadata_pb2,
        get_model_status_pb2,
        model_service_pb2_grpc,
        prediction_service_pb2_grpc,
    )

    from tests.test_serving_files import load_grpc_example

    example = load_grpc_example()
    channel = grpc.insecure_channel(server.grpc_target)
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    instances = [{"in0": [4, 5, 6], "in1": [7]}, {"in0": [8]}, {"in1": [9, 1, 2]},
                 {"in0": [3, 4], "k": 4, "exclude": [int(CANDIDATE_IDS[0])]}]
    over_grpc = example.predict(stub, instances)
    over_rest = ok_json(server.url + "/invocations", "POST", {"instances": instances})["predictions"]
    assert [sorted(r) for r in over_grpc] == [sorted(r) for r in over_rest]
    for a, b in zip(over_grpc, over_rest):
        for key in a:
            np.testing.assert_allclose(a[key], b[key], atol=1e-5)
    ids, scores = brute_force_top_k(model, [3, 4], 4, exclude={int(CANDIDATE_IDS[0])})
    assert over_grpc[3]["ids"] == ids
    np.testing.assert_allclose(over_grpc[3]["scores"], scores, atol=1e-5)

    request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
    request.model_spec.name = "o2v"
    metadata = json_format.MessageToDict(stub.GetModelMetadata(request),
                                         preserving_proto_field_name=True)
    rest = ok_json(server.url + "/v1/models/o2v/metadata")
    assert metadata["metadata"] == rest["metadata"]
    models = model_service_pb2_grpc.ModelServiceStub(channel)
    status_request = get_model_status_pb2.GetModelStatusRequest()
    status_request.model_spec.name = "o2v"
    status = json_format.MessageToDict(models.GetModelStatus(status_request),
                                       always_print_fields_with_no_presence=True)
    assert status == ok_json(server.url + "/v1/models/o2v")
    status_request.model_spec.name = "other"
    with pytest.raises(grpc.RpcError) as error:
        models.GetModelStatus(status_request)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    rows = example.make_predict_requests([{"in0": [1], "in1": [1]}] * 51)[0][0]
    with pytest.raises(grpc.RpcError) as error:
        stub.Predict(rows, timeout=10)
    assert error.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "limit is 50" in error.value.details()
    bad = example.make_predict_requests([{"in0": [1, 30]}])[0][0]
    with pytest.raises(grpc.RpcError) as error:
        stub.Predict(bad, timeout=10)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "enc0_vocab_size=30" in error.value.details()


def test_top_k_over_rest(server, model):
    url = server.url + "/v1/models/o2v:predict"
    row = ok_json(url, "POST", {"signature_name": "top_k", "instances": [
        {"in0": [1, 2], "k": 3}, {"in0": [5, 0], "k": 5}]})["predictions"]
    for prediction, (in0, k) in zip(row, (([1, 2], 3), ([5], 5))):
        ids, scores = brute_force_top_k(model, in0, k)
        assert prediction["ids"][:k] == ids and prediction["ids"][k:] == [-1] * (5 - k)
        np.testing.assert_allclose(prediction["scores"][:k], scores, atol=1e-5)
    columnar = ok_json(url, "POST", {"signature_name": "top_k_excluding", "inputs": {
        "in0": [[7, 8]], "k": 100, "exclude": [[int(i) for i in CANDIDATE_IDS[:38]]]}})["outputs"]
    assert len(columnar["ids"][0]) == 40  # k clamped to the 40 candidates; 38 excluded:
    assert columnar["ids"][0][2:] == [-1] * 38
    assert (np.float32(columnar["scores"][0][2:]) == np.finfo(np.float32).min).all()
    assert sorted(columnar["ids"][0][:2]) == sorted(CANDIDATE_IDS[38:].tolist())
    answer = ok_json(server.url + "/invocations", "POST", {"instances": [
        {"in0": [7, 8], "k": 100, "exclude": [int(i) for i in CANDIDATE_IDS[:38]]}]})
    assert sorted(answer["predictions"][0]["ids"]) == sorted(CANDIDATE_IDS[38:].tolist())
    assert "'k' must be a positive integer" in error_of(
        server.url + "/invocations", "POST", {"instances": [{"in0": [1], "k": 0}]})

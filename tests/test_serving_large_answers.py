"""Large answers: built in segments with the same bytes as in one piece, and `/ping` stays fast."""

import gc
import http.client
import json
import os
import threading
import time

import numpy as np
import pytest

import keras_o2v_serving as serving
from keras_o2v.inference.protocol import json_codec
from keras_o2v.inference.protocol.batching import SignatureBatch, assemble
from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v.inference.protocol.sagemaker import JSON, JSONLINES, encode_response
from keras_o2v.inference.protocol.tfserving_json import format_predict_response
from keras_o2v_serving.large_answers import invocations_parts, predict_parts
from keras_o2v_serving.work import Deadline


def mixed_request(count, batch_size=300, as_lists=False, seed=0):
    """Batches of three modes (scores, embeddings, top-k with empty slots), positions interleaved."""
    rng = np.random.default_rng(seed)
    modes = rng.choice(["serving_default", "embed_in0", "top_k"], count)
    batches, outputs = [], []
    for signature in ("serving_default", "embed_in0", "top_k"):
        positions = np.flatnonzero(modes == signature).tolist()
        for start in range(0, len(positions), batch_size):
            chunk = positions[start:start + batch_size]
            n = len(chunk)
            if signature == "serving_default":
                output = {"scores": rng.random((n, 3), np.float32)}
            elif signature == "embed_in0":
                output = {"embeddings": rng.standard_normal((n, 4)).astype(np.float32)}
            else:
                ids = rng.integers(0, 50, (n, 3))
                ids[rng.random((n, 3)) < 0.3] = -1
                output = {"ids": ids, "scores": rng.random((n, 3), np.float32)}
            if as_lists:
                output = {key: value.tolist() for key, value in output.items()}
            batches.append(SignatureBatch(signature, {}, chunk))
            outputs.append(output)
    return batches, outputs


@pytest.mark.parametrize("accept", [JSON, JSONLINES])
@pytest.mark.parametrize("as_lists", [False, True])
def test_invocations_in_segments_is_the_one_piece_body(accept, as_lists):
    count = 2500
    batches, outputs = mixed_request(count, as_lists=as_lists)
    parts = invocations_parts(count, batches, outputs, accept, segment_rows=512)
    assert len(parts) >= count // 512
    assert b"".join(parts) == encode_response(assemble(count, batches, outputs), accept)
    if accept == JSON:
        assert len(json.loads(b"".join(parts))["predictions"]) == count


def test_small_answers_are_one_part():
    batches, outputs = mixed_request(100)
    assert invocations_parts(100, batches, outputs, JSON, segment_rows=512) == [
        encode_response(assemble(100, batches, outputs), JSON)]


@pytest.mark.parametrize("columnar", [False, True])
@pytest.mark.parametrize("names", [("embeddings",), ("ids", "scores"), ("scores_1d",)])
def test_predict_in_segments_is_the_one_piece_body(columnar, names):
    rng = np.random.default_rng(1)
    shapes = {"embeddings": (3000, 4), "ids": (3000, 2), "scores": (3000, 2), "scores_1d": (3000,)}
    outputs = {name: (rng.integers(-1, 9, shapes[name]) if name == "ids" else
                      rng.standard_normal(shapes[name]).astype(np.float32)) for name in names}
    parts = predict_parts(outputs, columnar, segment_rows=700)
    assert len(parts) > 4
    assert b"".join(parts) == json_codec.dumps(format_predict_response(outputs, columnar))


def test_predict_with_non_finite_values_is_written_in_one_piece():
    outputs = {"scores": np.ones((3000, 2), np.float32)}
    outputs["scores"][2999, 1] = np.nan
    parts = predict_parts(outputs, False, segment_rows=700)
    assert parts == [json_codec.dumps(format_predict_response(outputs, False))]
    assert b"NaN" in parts[0]


def test_segments_stop_at_the_deadline():
    batches, outputs = mixed_request(2500)
    with pytest.raises(InferenceError, match="did not finish within"):
        invocations_parts(2500, batches, outputs, JSON, deadline=Deadline(0), segment_rows=512)


# === A large answer while /ping is probed ===

ROWS = 60_000  # the 10^6-row measurement is test_million_row_answers_in_a_served_process


@pytest.fixture(scope="module")
def roomy_server(tiny_bilstm_export):
    _, version_dir = tiny_bilstm_export
    config = serving.ServerConfig(model_base_path=os.path.dirname(version_dir), max_rows=ROWS,
                                  max_request_bytes=4 * 1024 * 1024)
    with serving.BackgroundServer(config) as background:
        yield background


def test_ping_stays_fast_while_a_large_answer_is_built_and_sent(roomy_server):
    host, port = roomy_server.url.rsplit("/", 1)[1].split(":")
    body = json.dumps({"instances": [{"in0": [1 + i % 20]} for i in range(ROWS)]}).encode()
    answer = {}

    def big_request():
        connection = http.client.HTTPConnection(host, int(port), timeout=120)
        connection.request("POST", "/invocations", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        answer["status"], answer["length"] = response.status, response.getheader("Content-Length")
        answer["body"] = response.read()
        connection.close()

    sender = threading.Thread(target=big_request)
    pings = []
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    sender.start()
    while sender.is_alive():
        started = time.perf_counter()
        connection.request("GET", "/ping")
        assert connection.getresponse().read() == b""
        pings.append(time.perf_counter() - started)
        time.sleep(0.002)
    sender.join()
    connection.close()
    assert answer["status"] == 200 and int(answer["length"]) == len(answer["body"])
    predictions = json.loads(answer["body"])["predictions"]
    assert len(predictions) == ROWS and len(predictions[0]["embeddings"]) == 8
    assert len(pings) > 20
    assert max(pings) < 0.1, f"slowest /ping {max(pings) * 1e3:.0f} ms"


def test_loaded_models_are_kept_out_of_garbage_collection(roomy_server):
    # A full collection over TensorFlow's and the model's objects holds the interpreter
    # lock for about 150 ms; frozen, they are not walked, so it no longer stalls /ping.
    assert gc.get_freeze_count() > 50_000
    started = time.perf_counter()
    gc.collect()
    assert time.perf_counter() - started < 0.05


def resident_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS"))


@pytest.mark.large
def test_million_row_answers_in_a_served_process(tmp_path):
    """`o2v serve --max-rows 1000000 --max-request-bytes 20000000`, three 10^6-row embedding
    answers (186 MB each) in a row: /ping under 100 ms throughout, memory flat after the first."""
    import subprocess

    from tests.harness import export_tiny

    base = tmp_path / "o2v"
    export_tiny(base, network="pooled_embedding", seed=1)
    body_path = tmp_path / "body.json"
    body_path.write_text(json.dumps({"instances": [{"in0": [1 + i % 20]} for i in range(10**6)]}))
    args = ["--model-base-path", str(base), "--max-rows", "1000000", "--max-request-bytes", "20000000",
            "--request-timeout-seconds", "120"]
    with serving.ServeProcess(args) as server:
        host, port = server.url.rsplit("/", 1)[1].split(":")
        sizes = []
        for _ in range(3):
            curl = subprocess.Popen(["curl", "-s", "-o", os.devnull, "-w", "%{http_code} %{size_download}",
                                     "-H", "Content-Type: application/json", "--data-binary",
                                     f"@{body_path}", server.url + "/invocations"],
                                    stdout=subprocess.PIPE, text=True)
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            pings = []
            while curl.poll() is None:
                started = time.perf_counter()
                connection.request("GET", "/ping")
                connection.getresponse().read()
                pings.append(time.perf_counter() - started)
                time.sleep(0.005)
            status, size = curl.stdout.read().split()
            sizes.append(resident_mb(server.process.pid))
            print(f"answer {size} bytes; /ping {len(pings)} times, p99 "
                  f"{np.percentile(pings, 99) * 1e3:.1f} ms, max {max(pings) * 1e3:.1f} ms; "
                  f"server RSS {sizes[-1]:.0f} MB")
            assert status == "200" and int(size) > 10**8
            assert max(pings) < 0.1, f"slowest /ping {max(pings) * 1e3:.0f} ms"
        assert sizes[-1] < sizes[0] * 1.05, sizes

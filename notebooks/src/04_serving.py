"""
Title: Serving: SavedModel export, `o2v serve`, SageMaker and TF Serving requests
Author: keras_o2v contributors
Date created: 2026-11-21
Last modified: 2026-11-21
Description: Export a trained model for TensorFlow Serving, start `o2v serve`, and call it from Python in the SageMaker Object2Vec format and the TF Serving REST format.

**What this shows.** A model trained in a notebook goes to production as a SavedModel
directory (`BASE/<version>/`) that stock TensorFlow Serving loads. `o2v serve` serves the
same directory with both APIs: SageMaker Object2Vec's `/invocations` (scores or
embeddings chosen per instance, JSON or JSON Lines) and TF Serving's `/v1/models/...`
REST API. We send both kinds of request with the Python standard library, check the
answers against the in-memory model, and publish a new version without restarting.

**How long it takes.** Under a minute at full size: the run shown took 22 s on 2 CPU
cores shared with other jobs, most of it training a small MovieLens model (2 epochs, then
1 more for version 2) and starting the server; the last cell prints the time of your
run. `O2V_NOTEBOOK_SIZE=small` (what the test suite runs) trains on
5,000 ratings for one epoch and takes about 40 seconds.
"""

"""
## Setup
"""

import atexit
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
from keras_o2v.tensorflow_logs import quiet_tensorflow  # noqa: E402 (TensorFlow-free)

quiet_tensorflow()  # before TensorFlow loads: no C++ start-up logs (O2V_VERBOSE=1 keeps them)

import keras
import numpy as np
import tensorflow as tf

import keras_o2v

SIZE = os.environ.get("O2V_NOTEBOOK_SIZE", "full")
if SIZE not in ("small", "full"):
    raise ValueError(f"O2V_NOTEBOOK_SIZE must be 'small' or 'full', got {SIZE!r}")
SMALL = SIZE == "small"
STARTED = time.perf_counter()
keras.utils.set_random_seed(0)  # same initial weights on every run
tf.get_logger().setLevel("ERROR")  # no "Assets written to ..." lines from the export
WORK_DIR = pathlib.Path(os.environ.get("O2V_NOTEBOOK_WORK_DIR") or
                        tempfile.mkdtemp(prefix="o2v-serving-"))
WORK_DIR.mkdir(parents=True, exist_ok=True)
print(f"size={SIZE}, writing files under {WORK_DIR}")

"""
## 1. A model to serve

A quick (user, movie) "liked" classifier on MovieLens 100k, as in the quickstart:
`in0 = [user id]`, `in1 = [movie id]`, scores = `[P(not liked), P(liked)]`.
"""

movielens = keras_o2v.datasets.movielens_100k()
ratings = movielens.ratings if not SMALL else movielens.ratings.take(np.arange(5_000))
train_path = WORK_DIR / "train.jsonl"
keras_o2v.datasets.write_jsonl(
    keras_o2v.datasets.ratings_to_records(ratings, task="classification"), train_path)
hp = keras_o2v.Hyperparameters(
    enc0_network="pooled_embedding", enc0_max_seq_len=1, enc0_vocab_size=944,
    enc1_network="pooled_embedding", enc1_max_seq_len=1, enc1_vocab_size=1683,
    enc0_token_embedding_dim=32, enc1_token_embedding_dim=32,
    mlp_layers=1, mlp_dim=64, mlp_activation="relu", mini_batch_size=256,
    learning_rate=0.002, epochs=1 if SMALL else 2)
model = keras_o2v.Object2Vec(hp)
model.compile()
history = model.fit(keras_o2v.make_dataset(train_path, hp, training=True, seed=0),
                    epochs=hp.epochs, shuffle=False, verbose=2)

"""
## 2. Export a SavedModel

`export_saved_model` writes `BASE/<next version>/` atomically (a hidden temporary folder,
then a rename), with three signatures taking int64 ids right-padded with 0:
`serving_default` (`in0`, `in1` → `scores`), `embed_in0` and `embed_in1`
(→ `embeddings`). The graph has no CUDA-only ops, so the CPU and GPU builds of TF
Serving both load it. The command line equivalent is
`o2v export --model-dir JOB --base-path BASE`.
"""

base_path = WORK_DIR / "models" / "o2v"
version_dir = keras_o2v.export_saved_model(model, base_path)
for path in sorted(pathlib.Path(version_dir).rglob("*")):
    print(path.relative_to(base_path))

"""
## 3. Start `o2v serve`

In a terminal you would run `o2v serve --model-base-path BASE --port 8080`. Here the
notebook starts the same command as a child process on a free local port and waits for
SageMaker's health check, `GET /ping`, to answer 200.
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


port = free_port()
URL = f"http://127.0.0.1:{port}"
server_log = open(WORK_DIR / "server.log", "w")
server = subprocess.Popen(
    [sys.executable, "-m", "keras_o2v.cli", "serve", "--model-base-path", str(base_path),
     "--host", "127.0.0.1", "--port", str(port), "--poll-seconds", "0.5"],
    stdout=server_log, stderr=subprocess.STDOUT)
atexit.register(server.terminate)  # also stopped when the kernel shuts down


def call(path, body=None, content_type="application/json", accept=None, method=None):
    """(HTTP status, response text) of one request; `body` is bytes, str or a JSON value."""
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    headers = {"Content-Type": content_type}
    if accept:
        headers["Accept"] = accept
    request = urllib.request.Request(URL + path, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError) as error:
        return None, str(error)


deadline = time.monotonic() + 180
while call("/ping")[0] != 200:
    if server.poll() is not None or time.monotonic() > deadline:
        server_log.flush()
        raise RuntimeError("o2v serve did not start:\n" + (WORK_DIR / "server.log").read_text())
    time.sleep(0.5)
print(f"o2v serve is up at {URL} (pid {server.pid})")

"""
## 4. SageMaker Object2Vec format: `POST /invocations`

The mode is chosen per instance: `in0` and `in1` → `scores`; only one of them →
`embeddings` from that side's encoder. The body is `{"instances": [...]}` in
`application/json`, or one instance per line in `application/jsonlines`.
"""

pairs = [{"in0": [42], "in1": [50]}, {"in0": [42], "in1": [1]}, {"in0": [7], "in1": [181]}]
status, text = call("/invocations", {"instances": pairs})
print(status, text)
served_scores = np.array([p["scores"] for p in json.loads(text)["predictions"]])
local_scores = model.predict({"in0": np.array([p["in0"] for p in pairs]),
                              "in1": np.array([p["in1"] for p in pairs])}, verbose=0)
print("same as model.predict:", np.allclose(served_scores, local_scores, atol=1e-5))

"""
Movie embeddings (encoder 1) with JSON Lines in and out:
"""

movies = [50, 181, 172]
body = "\n".join(json.dumps({"in1": [m]}) for m in movies)
status, text = call("/invocations", body, content_type="application/jsonlines",
                    accept="application/jsonlines")
lines = text.splitlines()
print(status, f"{len(lines)} lines, e.g. {lines[0][:100]}...")
served_embeddings = np.array([json.loads(line)["embeddings"] for line in lines])
print("same as model.embed:",
      np.allclose(served_embeddings, model.embed(in1=[[m] for m in movies]), atol=1e-5))

"""
A batch may mix modes; answers come back in order. The `infer_max_seqlens` content-type
parameter truncates inputs further (it matters for sequence encoders). Errors are JSON
with a message that names the instance and the key:
"""

status, text = call("/invocations", {"instances": [{"in0": [42], "in1": [50]}, {"in0": [42]}]},
                    content_type="application/json; infer_max_seqlens=1,1")
print(status, json.loads(text)["predictions"][0], "...")
print(*call("/invocations", {"instances": [{"in0": [42], "in1": [5000]}]}))

"""
## 5. TensorFlow Serving REST format: `/v1/models/o2v`

`o2v serve` speaks TF Serving's REST API too, so a client written for TF Serving works
unchanged against it — and a client written here works against a real
`tensorflow/serving` container loading the same `BASE` (see `serving/README.md` and
`serving/docker-compose.yml`).
"""

print(*call("/v1/models/o2v"))
status, text = call("/v1/models/o2v/metadata")
signatures = json.loads(text)["metadata"]["signature_def"]["signature_def"]
print(status, sorted(signatures))

"""
TF Serving needs rectangular tensors: `to_tfserving_request` turns SageMaker-style
instances into a padded `:predict` body for one signature (row format, `instances`).
Here every input is one token, so nothing needs padding; with token sequences the
shorter rows are right-padded with 0, which the model masks.
"""

request = keras_o2v.to_tfserving_request(pairs)
print(json.dumps(request))
status, text = call("/v1/models/o2v:predict", request)
row_scores = np.array(json.loads(text)["predictions"])
print(status, "row format equals /invocations:", np.allclose(row_scores, served_scores))

"""
The columnar format (`inputs` → `outputs`), asking for movie embeddings by signature
name:
"""

columnar = {"signature_name": "embed_in1", "inputs": {"in1": [[m] for m in movies]}}
status, text = call("/v1/models/o2v:predict", columnar)
print(status, "columnar embeddings equal model.embed:",
      np.allclose(json.loads(text)["outputs"], served_embeddings, atol=1e-5))

"""
## 6. A new version, without a restart

Exporting again writes version 2 next to version 1. The server polls the base path,
loads the newer version, and switches to it once it is ready (requests in flight finish
on the old one).
"""

history = model.fit(keras_o2v.make_dataset(train_path, hp, training=True, seed=1), epochs=1,
                    shuffle=False, verbose=2)
print("exported", keras_o2v.export_saved_model(model, base_path))
deadline = time.monotonic() + 120
while True:
    status, text = call("/v1/models/o2v")
    versions = {v["version"]: v["state"] for v in json.loads(text)["model_version_status"]}
    if versions.get("2") == "AVAILABLE" or time.monotonic() > deadline:
        break
    time.sleep(0.5)
print(versions)
status, text = call("/invocations", {"instances": pairs})
new_scores = np.array([p["scores"] for p in json.loads(text)["predictions"]])
print("now serving the retrained model:",
      np.allclose(new_scores, model.predict({"in0": np.array([p["in0"] for p in pairs]),
                                             "in1": np.array([p["in1"] for p in pairs])},
                                            verbose=0), atol=1e-5))

"""
## 7. Stop the server
"""

server.terminate()
server.wait(timeout=30)
server_log.close()
print(f"o2v serve exited with {server.returncode}")
print(f"notebook ran in {time.perf_counter() - STARTED:.0f} s (size={SIZE})")

"""The test suite's shared harness: paths, JSON Lines files, pair tasks, subprocesses, tiny models.

Fixtures built on it (session-wide channels, a tiny export, a served model) live in
`tests/conftest.py`.
"""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "tests", "scripts")

# === Files ===


def write_jsonl(path, records):
    """Writes `records` as JSON Lines; returns the path as a string."""
    with open(path, "w") as f:
        for record in records:
            f.write(json.dumps(record) + "\n")
    return str(path)


def read_jsonl(path):
    """The records of a JSON Lines file (blank lines skipped)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def shared_data(*parts):
    """A folder of the data sets shared beside the repository (`../shared/data/PARTS`), or None.

    Looked for beside this checkout's root, then (in a git worktree) beside the main
    checkout's root.
    """
    roots = [ROOT]
    try:
        common = subprocess.run(["git", "-C", ROOT, "rev-parse", "--path-format=absolute",
                                 "--git-common-dir"], capture_output=True, text=True, timeout=30)
        if common.returncode == 0:
            roots.append(os.path.dirname(common.stdout.strip()))
    except (OSError, subprocess.SubprocessError):
        pass
    for root in roots:
        folder = os.path.join(os.path.dirname(root), "shared", "data", *parts)
        if os.path.isdir(folder):
            return folder
    return None


# === Processes ===


def subprocess_env(**extra):
    """The environment of a child Python: this checkout first on the path, no GPU."""
    path = os.pathsep.join([ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                                     if p])
    return {**os.environ, "PYTHONPATH": path, "CUDA_VISIBLE_DEVICES": "",
            "KERAS_BACKEND": "tensorflow", **extra}


def run_python(args, timeout=300, env=None, **kwargs):
    """Runs `python ARGS` in a child process from the repository root; returns the result."""
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env or subprocess_env(),
                          capture_output=True, text=True, timeout=timeout, **kwargs)


def o2v_command(*args):
    """The argv of `o2v ARGS` run by this checkout's interpreter."""
    return [sys.executable, "-m", "keras_o2v.cli", *map(str, args)]


def run_o2v(*args, timeout=300, env=None):
    """Runs `o2v ARGS` in a child process; returns the `CompletedProcess` (text output)."""
    return run_python(o2v_command(*args)[1:], timeout=timeout, env=env)


# === HTTP (a served model) ===

JSON = "application/json"
JSONL = "application/jsonlines"


def call(url, method="GET", body=None, content_type=JSON, accept=None):
    """(status, headers, text) of one HTTP request; `body` may be bytes or a JSON value."""
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
    headers = {"Content-Type": content_type}
    if accept:
        headers["Accept"] = accept
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def ok_json(*args, **kwargs):
    """The JSON answer of a request that must succeed (HTTP 200)."""
    status, _, text = call(*args, **kwargs)
    assert status == 200, text
    return json.loads(text)


def error_of(*args, expected=400, **kwargs):
    """The `error` message of a request that must fail with HTTP `expected`."""
    status, headers, text = call(*args, **kwargs)
    assert status == expected, text
    return json.loads(text)["error"]


# === Pair tasks with known answers ===


def modular_match_pairs(n, vocab_size=60, groups=5, seed=0):
    """(token, token) pairs: label 1 when both tokens fall in the same group (id % groups)."""
    rng = np.random.default_rng(seed)
    records = []
    for _ in range(n):
        u = int(rng.integers(1, vocab_size))
        if rng.random() < 0.5:
            v = int(rng.choice([t for t in range(1, vocab_size) if t % groups == u % groups]))
        else:
            v = int(rng.integers(1, vocab_size))
        records.append({"label": int(u % groups == v % groups), "in0": [u], "in1": [v]})
    return records


def additive_rating_pairs(n, users=40, items=50, seed=0):
    """(user, item) pairs whose score is a user bias plus an item bias."""
    rng = np.random.default_rng(seed)
    user_bias = rng.normal(0, 1, users + 1)
    item_bias = rng.normal(0, 1, items + 1)
    records = []
    for _ in range(n):
        u, i = int(rng.integers(1, users + 1)), int(rng.integers(1, items + 1))
        records.append({"label": float(user_bias[u] + item_bias[i]), "in0": [u], "in1": [i]})
    return records


def token_sequence_pairs(n, vocab_size=41, groups=4, seed=0):
    """(group token, sequence) pairs: label 1 when most of the sequence is from that group."""
    rng = np.random.default_rng(seed)
    by_group = [[t for t in range(1, vocab_size) if t % groups == g] for g in range(groups)]
    records = []
    for _ in range(n):
        g = int(rng.integers(groups))
        length = int(rng.integers(3, 9))
        sequence = [int(t) for t in rng.choice(by_group[g], size=length)]
        noise = int(rng.integers(0, length // 3 + 1))
        for position in rng.choice(length, size=noise, replace=False):
            sequence[position] = int(rng.integers(1, vocab_size))
        claimed = g if rng.random() < 0.5 else int(rng.integers(groups))
        records.append({"label": int(claimed == g), "in0": [claimed + 1000], "in1": sequence})
    return records


# The training-job tests' hyperparameters (SageMaker's string map) for `modular_match_pairs`.
JOB_HYPERPARAMETERS = {
    "enc0_max_seq_len": "1", "enc0_vocab_size": "60", "enc0_network": "pooled_embedding",
    "enc0_token_embedding_dim": "16", "mlp_dim": "32", "learning_rate": "0.01",
    "mini_batch_size": "64", "epochs": "4"}


def job_arguments(hyperparameters):
    """`name=value` command-line arguments of a hyperparameter map."""
    return [f"{name}={value}" for name, value in hyperparameters.items()]


# === Tiny models and exports (export, inference, server tests) ===

VOCAB = 30
MAX_LEN = 6


def tiny_hyperparameters(network="bilstm", regression=False, **overrides):
    """Hyperparameters of a model small enough to build and export in about a second."""
    from keras_o2v.hyperparameters import Hyperparameters

    values = dict(enc0_max_seq_len=MAX_LEN, enc0_vocab_size=VOCAB, enc0_network=network,
                  enc0_token_embedding_dim=8, enc_dim=8, mlp_dim=8, mlp_layers=1,
                  num_classes=3, enc1_network="pooled_embedding", enc1_max_seq_len=4,
                  enc1_vocab_size=VOCAB + 10, enc1_token_embedding_dim=8)
    if regression:
        values["output_layer"] = "mean_squared_error"
    values.update(overrides)
    return Hyperparameters(**values)


def tiny_model(network="bilstm", regression=False, seed=0, **overrides):
    """A freshly initialised tiny `Object2Vec` (weights depend on `seed`)."""
    import keras

    from keras_o2v.models import Object2Vec

    keras.utils.set_random_seed(seed)
    return Object2Vec(tiny_hyperparameters(network, regression, **overrides))


def random_pairs(n, seed=0, max_len=9):
    """Ragged id lists for both sides; some longer than the models' max_seq_len."""
    rng = np.random.default_rng(seed)
    in0 = [[int(t) for t in rng.integers(1, VOCAB, rng.integers(1, max_len + 1))] for _ in range(n)]
    in1 = [[int(t) for t in rng.integers(1, VOCAB + 10, rng.integers(1, max_len + 1))]
           for _ in range(n)]
    return in0, in1


def export_tiny(base_path, **kwargs):
    """Exports a tiny model under `base_path`; returns `(model, version_dir)`."""
    from keras_o2v.export import export_saved_model

    model = tiny_model(**kwargs)
    return model, export_saved_model(model, base_path)


def predict_scores(model, in0, in1):
    """`model.predict` on ragged lists (the reference the exports must match)."""
    from keras_o2v.data import pad_sequences

    return model.predict({"in0": pad_sequences(in0), "in1": pad_sequences(in1)}, verbose=0)

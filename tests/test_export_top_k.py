"""The top-k signature (k an input, exclusions, stock ops, TF1 session load) and atomic export."""

import os
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from keras_o2v import pad_sequences
from keras_o2v.cli import main as o2v
from keras_o2v.errors import DataError
from keras_o2v.export import (
    Candidates,
    cudnn_ops,
    export_saved_model,
    install,
    list_versions,
    read_candidates,
    unregistered_ops,
)
from keras_o2v.serving_contract import NO_CANDIDATE
from tests.harness import ROOT, predict_scores, tiny_model, write_jsonl

IDS = np.arange(1000, 1060)


def sequences(seed=3):
    rng = np.random.default_rng(seed)
    return [rng.integers(1, 40, rng.integers(1, 6)).tolist() for _ in IDS]


@pytest.fixture(scope="module")
def bilstm_top_k(tmp_path_factory):
    model = tiny_model("pooled_embedding", seed=5)
    base = tmp_path_factory.mktemp("topk")
    # A small block budget forces several blocks (the running top-k across blocks).
    from keras_o2v.export import top_k
    budget, top_k.DEFAULT_BLOCK_BUDGET = top_k.DEFAULT_BLOCK_BUDGET, 7 * 32
    try:
        path = export_saved_model(model, base, candidates=Candidates(IDS, sequences()))
    finally:
        top_k.DEFAULT_BLOCK_BUDGET = budget
    return model, path


def reference(model, query, k, exclude=(), column=-1):
    scores = predict_scores(model, [query] * len(IDS), sequences())[:, column]
    order = [i for i in np.argsort(-scores, kind="stable") if IDS[i] not in exclude][:k]
    return IDS[order], scores[order]


def test_top_k_equals_scoring_every_candidate(bilstm_top_k):
    model, path = bilstm_top_k
    signatures = tf.saved_model.load(path).signatures
    queries = [[1, 2, 3], [4, 5, 6, 7, 8, 9, 10], [11]]
    out = signatures["top_k"](in0=tf.constant(pad_sequences(queries)), k=tf.constant(7))
    assert out["ids"].dtype == tf.int64 and out["ids"].shape == (3, 7) == out["scores"].shape
    for row, query in enumerate(queries):
        ids, scores = reference(model, query, 7)
        np.testing.assert_array_equal(out["ids"][row], ids)
        np.testing.assert_allclose(out["scores"][row], scores, atol=1e-5)
    # k per row, one exclusion list per row (right-padded with -1), k beyond the catalogue.
    exclude = [[int(IDS[5]), int(IDS[9]), -1], [-1, -1, -1], [int(i) for i in IDS[:3]]]
    out = signatures["top_k_excluding"](in0=tf.constant(pad_sequences(queries)),
                                        k=tf.constant([2, 100, 4], tf.int32),
                                        exclude=tf.constant(exclude, tf.int64))
    out = {key: value.numpy() for key, value in out.items()}
    assert out["ids"].shape == (3, len(IDS))  # the largest k, clamped to the 60 candidates
    for row, (query, k) in enumerate(zip(queries, (2, 100, 4))):
        ids, scores = reference(model, query, k, exclude=set(exclude[row]))
        np.testing.assert_array_equal(out["ids"][row][:len(ids)], ids)
        np.testing.assert_allclose(out["scores"][row][:len(ids)], scores, atol=1e-5)
        assert (out["ids"][row][len(ids):] == NO_CANDIDATE).all()
    with pytest.raises(tf.errors.InvalidArgumentError, match="k must not be negative"):
        signatures["top_k"](in0=tf.constant([[1]], tf.int64), k=tf.constant(-1))
    with pytest.raises(tf.errors.InvalidArgumentError, match="one value per row"):
        signatures["top_k"](in0=tf.constant([[1], [2]], tf.int64), k=tf.constant([1, 2, 3]))


def test_top_k_graph_is_stock_tensorflow_and_loads_in_a_tf1_session(bilstm_top_k):
    model, path = bilstm_top_k
    assert cudnn_ops(path) == [] and unregistered_ops(path) == []
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session() as session:
        meta = tf.compat.v1.saved_model.loader.load(session, ["serve"], path)
        signature = meta.signature_def["top_k"]
        assert signature.inputs["k"].dtype == tf.int32.as_datatype_enum
        assert signature.inputs["k"].tensor_shape.unknown_rank
        ids, scores = session.run(
            [signature.outputs["ids"].name, signature.outputs["scores"].name],
            {signature.inputs["in0"].name: [[3, 4, 0]], signature.inputs["k"].name: 5})
    expected_ids, expected_scores = reference(model, [3, 4], 5)
    np.testing.assert_array_equal(ids[0], expected_ids)
    np.testing.assert_allclose(scores[0], expected_scores, atol=1e-5)


def test_regression_scores_every_pair_like_the_model():
    model = tiny_model("pooled_embedding", regression=True, seed=2)
    queries, items = [[5, 6], [1]], sequences()[:7]
    scores = model.score_embeddings(tf.constant(model.embed(in0=queries)),
                                    tf.constant(model.embed(in1=items))).numpy()
    for row, query in enumerate(queries):
        np.testing.assert_allclose(scores[row], predict_scores(model, [query] * 7, items)[:, 0],
                                   atol=1e-5)


def test_candidates_file_errors_name_file_and_line(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [
        {"id": 1, "in1": [1]}, {"id": 1, "in1": [2]}, {"id": -4, "in1": [1]}, {"id": 2},
        {"id": 3, "in1": [99]}, {"id": "x", "in1": [1]}, [1], {"id": 4, "in1": [1], "z": 0}])
    with open(path, "a") as f:
        f.write("{not json\n")
    from tests.harness import tiny_hyperparameters
    with pytest.raises(DataError) as error:
        read_candidates(path, tiny_hyperparameters())
    text = str(error.value)
    for line, words in ((2, "already given on line 1"), (3, "non-negative integer"),
                        (4, "needs 'id' and 'in1'"), (5, "enc1_vocab_size=40"),
                        (6, "non-negative integer"), (7, "expected an object"),
                        (8, "unknown key"), (9, "malformed JSON")):
        assert f"c.jsonl:{line}: " in text and words in text, (line, words, text)


# === Atomic export: a crash at any step leaves the old or the new version ===

def digest(version_dir):
    """The bytes of a version's graph and variables: equal to a complete export's, or not."""
    import hashlib
    hasher = hashlib.sha256()
    for name in ("saved_model.pb", "variables/variables.index",
                 "variables/variables.data-00000-of-00001"):
        with open(os.path.join(version_dir, name), "rb") as f:
            hasher.update(f.read())
    return hasher.hexdigest()


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_export_killed_at_every_step_leaves_a_servable_version(tmp_path, monkeypatch, exchange):
    old, new = tiny_model("pooled_embedding", seed=1), tiny_model("pooled_embedding", seed=2)
    base = tmp_path / "o2v"
    export_saved_model(old, base, version=1, warmup=False)
    old_digest = digest(base / "1")
    monkeypatch.setattr(install, "exchange_supported", exchange)
    steps = ["scratch", "written", "installing", "installed"] + ([] if exchange else ["old-aside"])

    def snapshot(step):  # the base path as a kill at this step would leave it
        shutil.copytree(base, tmp_path / f"at-{step}", symlinks=True)

    monkeypatch.setattr(install, "step_hook", snapshot)
    monkeypatch.setattr(install.Scratch, "close", lambda self: None)  # a kill cleans nothing
    export_saved_model(new, base, version=1, overwrite=True, warmup=False)
    monkeypatch.undo()
    new_digest = digest(base / "1")
    assert new_digest != old_digest
    assert sorted(os.listdir(tmp_path)) == sorted(["o2v"] + [f"at-{step}" for step in steps])
    for step in steps:
        copy = tmp_path / f"at-{step}"
        assert any(name.startswith(".export-") for name in os.listdir(copy))  # killed mid-way
        if step == "old-aside":  # between the two renames: recorded for the next export
            assert not os.path.exists(copy / "1")
        else:
            assert digest(copy / "1") in (old_digest, new_digest), step
        install.Scratch(str(copy)).close()  # what the next export does first
        assert os.listdir(copy) == ["1"], step
        assert digest(copy / "1") in (old_digest, new_digest), step


def test_a_real_sigkill_mid_overwrite_and_the_next_export_cleans_up(tmp_path):
    base = tmp_path / "o2v"
    model = tiny_model("pooled_embedding", seed=1)
    model.save(tmp_path / "model.keras")
    export_saved_model(model, base, version=1, warmup=False)
    script = (
        "import os, signal, keras\n"
        "from keras_o2v.export import install, export_saved_model\n"
        "def kill(step):\n"
        "    if step == 'installed':\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "install.step_hook = kill\n"
        f"model = keras.saving.load_model({str(tmp_path / 'model.keras')!r})\n"
        f"export_saved_model(model, {str(base)!r}, version=1, overwrite=True, warmup=False)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="3"))
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    leftovers = [n for n in os.listdir(base) if n.startswith(".export-")]
    assert len(leftovers) == 1 and list_versions(base) == [1]
    assert tf.saved_model.load(str(base / "1")).signatures["embed_in0"] is not None
    assert o2v(["export", "--model-dir", str(tmp_path), "--base-path", str(base), "--no-warmup"]) == 0
    assert sorted(os.listdir(base)) == ["1", "2"]

"""Smoke tests of the benchmarks (movielens, newsgroups and the training-speed ones).

The `--quick` paths run on tiny generated data (no network, no extra virtualenvs), calling
each script's `main` in this process (no second TensorFlow start-up). The full benchmarks
download data, build virtualenvs and train for many minutes: they are marked `large` (run
with `--run_large`) and run as the command a user types.
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from tests.harness import ROOT, subprocess_env


def run_benchmark(script, *args, timeout=900):
    """Runs `python benchmarks/SCRIPT ARGS` as a user does; returns its stdout."""
    done = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", script), *args],
                          capture_output=True, text=True, env=subprocess_env(), timeout=timeout,
                          cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def run_quick(script, args, monkeypatch, capsys):
    """Runs a benchmark script's `main(ARGS)` in this process; returns its stdout."""
    monkeypatch.setattr(sys, "path", list(sys.path))  # the scripts put their folder first
    spec = importlib.util.spec_from_file_location(
        f"benchmark_{script[:-3]}", os.path.join(ROOT, "benchmarks", script))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    capsys.readouterr()
    module.main(list(args))
    return capsys.readouterr().out


def test_movielens_quick(tmp_path, monkeypatch, capsys):
    out = tmp_path / "rows.json"
    stdout = run_quick("movielens.py", ["--quick", "--search", "--peers", "none", "--work-dir",
                                        str(tmp_path / "work"), "--json", str(out)],
                       monkeypatch, capsys)
    rows = {row["model"]: row for row in json.loads(out.read_text())}
    assert "| model | test RMSE | fit time (s) | notes |" in stdout
    for name in ("global mean", "per-user mean", "keras_o2v, SageMaker notebook hp",
                 "keras_o2v, tuned on validation", "keras_o2v, tuned, user = id + rated movies"):
        assert rows[name]["test_rmse"] > 0
    assert rows["scikit-surprise SVD"]["test_rmse"] is None  # --peers none
    assert rows["scikit-surprise SVD, tuned on validation"]["test_rmse"] is None
    assert "skipped" in rows["TFRS ranking model"]["notes"]


def test_newsgroups_quick(tmp_path, monkeypatch, capsys):
    out = tmp_path / "rows.json"
    stdout = run_quick("newsgroups.py", ["--quick", "--only", "svm,hcnn+glove,bilstm",
                                         "--dropout", "0.1", "--work-dir", str(tmp_path / "work"),
                                         "--json", str(out)], monkeypatch, capsys)
    rows = json.loads(out.read_text())
    assert [row["model"] for row in rows] == [
        "TF-IDF + LinearSVC (scikit-learn)", "keras_o2v hcnn+glove", "keras_o2v bilstm"]
    assert all(0 <= row["test_accuracy"] <= 1 for row in rows)
    for row in rows[1:]:
        assert row["dropout"] == 0.1
        assert 0 <= row["validation_accuracy"] <= 1
        assert "dropout 0.1;" in row["notes"]
    assert "| model | test accuracy | fit time (s) | notes |" in stdout
    assert '"glove_words_found": ' in stdout


@pytest.mark.large
def test_movielens_full(tmp_path):
    stdout = run_benchmark("movielens.py", "--work-dir", str(tmp_path), timeout=7200)
    assert "keras_o2v, SageMaker notebook hp" in stdout


@pytest.mark.large
def test_newsgroups_full(tmp_path):
    stdout = run_benchmark("newsgroups.py", "--work-dir", str(tmp_path), timeout=7200)
    assert "keras_o2v bilstm+glove" in stdout


@pytest.mark.large
def test_serving_load_quick():
    done = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "serving_load.py"),
                           "--seconds", "0.5", "--rounds", "2", "--requests", "300",
                           "--ping-seconds", "2", "--max-rows", "1000"],
                          capture_output=True, text=True, env=subprocess_env(), timeout=900,
                          cwd=ROOT)
    assert done.returncode in (0, 1), done.stderr[-3000:]  # 1: a goal missed on a busy machine
    assert "| goal | measured | met |" in done.stdout and "/ping p99" in done.stdout


def test_training_speed_benchmarks_quick(capsys):
    """sparse_embedding, train_throughput and pair_model_overhead, timed against references.

    In this process (the three only build models and time steps): no subprocess start-up.
    """
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    try:
        import pair_model_overhead
        import sparse_embedding
        import train_throughput
    finally:
        sys.path.pop(0)
    rows = sparse_embedding.main(["--quick"])
    assert set(rows) == {"plain TF, lazy Adam", "plain TF, dense fused Adam",
                         "keras_o2v row_sparse", "keras_o2v dense"}
    assert rows["plain TF, lazy Adam"]["ratio"] == 1.0
    assert all(row["pairs_per_s"] > 0 and row["steps"] == 3 for row in rows.values())
    rows = train_throughput.main(["--quick", "--encoders", "pooled_embedding"])
    assert [row["name"] for row in rows] == [
        "plain TF, pooled, fused dense Adam", "keras_o2v pooled_embedding, model only",
        "keras_o2v pooled_embedding, pipeline"]
    rows = pair_model_overhead.main(["--quick"])
    assert [row["name"] for row in rows] == [
        "plain Keras pair model", "keras_o2v Object2Vec, in-memory batches",
        "keras_o2v Object2Vec, make_dataset pipeline"]
    stdout = capsys.readouterr().out
    assert "keras_o2v dense ÷ plain TF, dense fused Adam: " in stdout
    assert "| ms/step | ÷ plain Keras pair model |" in stdout


# === Retrieval benchmarks (movielens_retrieval, text_labels, kg_link_prediction) ===
def _benchmark_module(name):
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


def test_topk_metrics_against_keras_o2v_ranks():
    """The peers' NumPy metrics give the ranks of keras_o2v.evaluation."""
    import numpy as np

    from keras_o2v.evaluation import count_above_and_tied, realistic_ranks

    topk = _benchmark_module("peers.topk_metrics")
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 6, size=(8, 13)).astype(np.float32)  # many ties
    users = rng.integers(1, 8, size=40)
    items = rng.integers(1, 13, size=40)
    known = topk.known_matrix(7, 12, (users, items), (rng.integers(1, 8, 30), rng.integers(1, 13, 30)))
    metrics = topk.ranking_metrics(scores, users, items, known, ks=(1, 3))
    candidates = scores[users][:, 1:]
    true = scores[users, items]
    own = np.zeros_like(candidates, bool)
    own[np.arange(len(users)), items - 1] = True
    raw = realistic_ranks(*count_above_and_tied(candidates, true, removed=own))
    others = known[users][:, 1:] & ~own
    filtered = realistic_ranks(*count_above_and_tied(candidates, true, removed=own | others))
    assert metrics["top_1"] == np.mean(raw <= 1) and metrics["top_3"] == np.mean(raw <= 3)
    assert metrics["filtered_top_3"] == np.mean(filtered <= 3)
    assert np.isclose(metrics["mrr"], np.mean(1 / filtered))
    # recall@k by brute force: per user, its held-out items among the top k of the rest
    held = {}
    for u, i in zip(users, items):
        held.setdefault(u, set()).add(i)
    recalls = []
    for u, items_of_u in held.items():
        allowed = [j for j in range(1, 13) if not known[u, j] or j in items_of_u]
        top = sorted(allowed, key=lambda j: -scores[u, j])[:3]  # stable: ties by id
        recalls.append(len(items_of_u & set(top)) / len(items_of_u))
    assert np.isclose(metrics["recall_at_3"], np.mean(recalls))


def test_movielens_retrieval_quick(tmp_path, capsys):
    bench = _benchmark_module("movielens_retrieval")
    rows = {row["model"]: row for row in bench.main(
        ["--quick", "--peers", "none", "--work-dir", str(tmp_path)])}
    for name in ("most popular (train counts)", "keras_o2v retrieval mode, tuned on validation",
                 "keras_o2v, SageMaker binary recipe (negative_sampling_rate 5, MLP head)"):
        test = rows[name]["test"]
        assert 0 <= test["top_10"] <= test["top_100"] <= 1 and test["pairs"] == 120
        assert test["top_10"] <= test["filtered_top_10"]
    assert rows["keras_o2v retrieval mode, tuned on validation"]["hyperparameters"][
        "training_objective"] == "retrieval"
    assert "skipped" in rows["implicit ALS, tuned on validation"]["notes"]
    assert "| model | top-10 | top-100 |" in capsys.readouterr().out


def test_text_labels_quick(tmp_path, capsys):
    bench = _benchmark_module("text_labels")
    rows = {row["model"]: row for row in bench.main(
        ["--quick", "--peers", "none", "--rows", "svm,fasttext,retrieval",
         "--work-dir", str(tmp_path)])}
    retrieval = rows["keras_o2v retrieval mode, tuned on validation"]
    assert retrieval["hyperparameters"]["retrieval_negatives"] == "full"
    assert 0 <= retrieval["test_accuracy"] <= 1 and 0 <= retrieval["validation_accuracy"] <= 1
    assert rows["TF-IDF + LinearSVC (scikit-learn), tuned on validation"]["test_accuracy"] > 0.5
    assert rows["fastText supervised, tuned on validation"]["test_accuracy"] is None
    assert "| model | test accuracy |" in capsys.readouterr().out


def test_kg_link_prediction_quick(tmp_path, capsys):
    bench = _benchmark_module("kg_link_prediction")
    tables = bench.main(["--quick", "--peers", "none", "--rows", "pykeen,retrieval",
                         "--work-dir", str(tmp_path)])
    rows = {row["model"]: row for row in tables["synthetic"]}
    retrieval = rows["keras_o2v retrieval mode, tuned on validation"]
    test = retrieval["test"]
    assert 0 <= test["hits_at_1"] <= test["hits_at_10"] <= 1 and test["hits_at_1"] <= test["mrr"]
    assert 1 / 30 <= test["mrr"] <= 1  # a realistic rank is at most the 30 entities
    assert rows["pykeen RotatE"]["test"] is None
    assert "| model | MRR | hits@1 | hits@10 |" in capsys.readouterr().out


@pytest.mark.large
def test_retrieval_benchmarks_full(tmp_path):
    for script, args in (("movielens_retrieval.py", []), ("text_labels.py", ["--dataset", "r8"]),
                         ("kg_link_prediction.py", ["--graphs", "nations"])):
        stdout = run_benchmark(script, "--work-dir", str(tmp_path / script), *args, timeout=7200)
        assert "keras_o2v retrieval mode, tuned on validation" in stdout


def test_validation_search_runs_the_named_candidates_and_keeps_the_best(capsys):
    search = _benchmark_module("validation_search")
    candidates = [{"dim": d} for d in (8, 16, 32, 64)]
    assert search.search_candidates(candidates, "1:3") == candidates[1:3]
    assert search.search_candidates(candidates, "3,0") == [candidates[3], candidates[0]]
    assert search.search_candidates(candidates) == candidates
    recorded = []
    scores = {8: 0.2, 16: 0.7, 32: 0.7, 64: 0.1}
    best = search.best_candidate(
        candidates, lambda c: {"score": scores[c["dim"]], "best_epoch": 1, "fit_s": 2.0},
        "validation score", lambda row: row["score"], record=recorded.append)
    assert best == {"dim": 16}  # the first of equals
    assert len(recorded) == 4 and all(row["search"] for row in recorded)
    assert "search (validation score, higher is better):\n  0.7000" in capsys.readouterr().out


# === Sentence similarity (STS Benchmark, SICK) ===
def write_sentence_pair_files(folder, seed=0):
    """Tiny STS-B and SICK files in the official layouts: a pair shares `keep` of its 6
    words, and its score (and its SICK class) grows with `keep`."""
    import numpy as np

    rng = np.random.default_rng(seed)
    words = [f"w{k}" for k in range(40)]
    os.makedirs(folder / "stsbenchmark")
    os.makedirs(folder / "sick2014")
    sick_names = {"train": "SICK_train.txt", "dev": "SICK_trial.txt", "test": "SICK_test_annotated.txt"}
    for split, count in (("train", 60), ("dev", 30), ("test", 30)):
        sts_lines = []
        sick_lines = ["pair_ID\tsentence_A\tsentence_B\trelatedness_score\tentailment_judgment"]
        for k in range(count):
            first = list(rng.choice(words, 6))
            keep = int(rng.integers(0, 7))
            second = " ".join(first[:keep] + list(rng.choice(words, 6 - keep))) + " ."
            first = " ".join(first) + " ."
            judgment = "ENTAILMENT" if keep >= 5 else "NEUTRAL" if keep >= 2 else "CONTRADICTION"
            sts_lines.append(f"main-captions\tMSRvid\t2012\t{k:04d}\t{5 * keep / 6:.3f}\t{first}\t{second}")
            sick_lines.append(f"{k + 1}\t{first}\t{second}\t{1 + 4 * keep / 6:.1f}\t{judgment}")
        (folder / "stsbenchmark" / f"sts-{split}.csv").write_text("\n".join(sts_lines) + "\n")
        (folder / "sick2014" / sick_names[split]).write_text("\n".join(sick_lines) + "\n")
    return words


def test_sentence_similarity_quick(tmp_path, capsys):
    import numpy as np

    from keras_o2v.datasets import WordVectors, load_sick

    bench = _benchmark_module("sentence_similarity")
    words = write_sentence_pair_files(tmp_path / "data")
    rng = np.random.default_rng(1)
    glove = WordVectors(None, [".", *words], rng.normal(size=(len(words) + 1, 8)).astype(np.float32))
    out = tmp_path / "rows.json"
    rows = bench.main(["--data-dir", str(tmp_path / "data"), "--quick", "--json", str(out)], glove=glove)
    assert json.loads(out.read_text()) == json.loads(json.dumps(rows))
    by_name = {row["system"]: row for row in rows}
    assert list(by_name) == [row.name for row in bench.ROWS]
    tfidf = by_name["TF-IDF (scikit-learn, cosine)"]["test"]
    assert tfidf["sts-b"]["cosine"]["spearman"] > 50 and tfidf["sick-r"]["cosine"]["spearman"] > 50
    assert set(tfidf) == {"sts-b", "sick-r"}  # no SICK-E column for a cosine system
    senteval = by_name["SentEval-style: ridge / logistic regression on [|u-v|, u*v] of averaged GloVe"]
    assert set(senteval["test"]["sts-b"]) == {"predicted"}  # no cosine: see averaged GloVe
    assert 0 <= senteval["test"]["sick-e"]["accuracy"] <= 100
    assert senteval["settings"]["sick-e"]["C"] in (0.001, 0.01, 0.1, 1.0, 10.0, 100.0)
    test_labels = load_sick(tmp_path / "data" / "sick2014", "test", task="entailment").labels
    train_labels = load_sick(tmp_path / "data" / "sick2014", "train", task="entailment").labels
    majority = by_name["majority class (SICK-E)"]["test"]["sick-e"]["accuracy"]
    assert np.isclose(majority, 100 * np.mean(test_labels == np.bincount(train_labels).argmax()))
    stdout = capsys.readouterr().out
    assert "| system | STS-B cosine P / S | STS-B predicted P / S |" in stdout
    assert "published anchors (not run here" in stdout and "SBERT-NLI-base: 77.0" in stdout

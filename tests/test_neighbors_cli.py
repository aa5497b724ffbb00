"""`o2v neighbors` and `o2v evaluate-retrieval` end to end through `cli.main`."""

import json
import re

import numpy as np
import pytest

from keras_o2v import cli
from tests.harness import write_jsonl


def assert_cli_error(capsys, argv, pattern):
    """The CLI exits 1 and prints the library's error (file and line) on stderr."""
    assert cli.main(argv) == 1
    assert re.search(pattern, capsys.readouterr().err)


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(1)
    base = rng.normal(size=(60, 6)).astype(np.float32)
    truth = rng.permutation(60)[:20]
    queries = base[truth] + 0.05 * rng.normal(size=(20, 6)).astype(np.float32)
    base_path = write_jsonl(tmp_path / "base.jsonl", [
        {"id": f"d{i}", "embedding": v.tolist()} for i, v in enumerate(base)])
    query_path = write_jsonl(tmp_path / "queries.jsonl", [
        {"id": f"q{i}", "embedding": v.tolist(), "truth": f"d{t}"}
        for i, (v, t) in enumerate(zip(queries, truth))])
    return tmp_path, base, queries, truth, base_path, query_path


def test_neighbors_end_to_end(files):
    tmp_path, base, queries, truth, base_path, query_path = files
    out = str(tmp_path / "out.jsonl")
    code = cli.main(["neighbors", "--vectors", base_path, "--queries", query_path,
                     "--k", "3", "--metric", "euclidean", "--output", out])
    assert code == 0
    lines = [json.loads(line) for line in open(out)]
    assert [line["id"] for line in lines] == [f"q{i}" for i in range(20)]
    distances = np.linalg.norm(queries[:, None] - base[None], axis=-1)
    for line, row in zip(lines, distances):
        expected = np.argsort(row)[:3]
        assert [n["id"] for n in line["neighbors"]] == [f"d{j}" for j in expected]
        np.testing.assert_allclose([n["score"] for n in line["neighbors"]], row[expected],
                                   rtol=1e-4)
    # The noisy copy's nearest neighbour is its source.
    assert [line["neighbors"][0]["id"] for line in lines] == [f"d{t}" for t in truth]


def test_neighbors_npy_queries_default_and_exclude_self(tmp_path, capsys):
    np.save(tmp_path / "v.npy", np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32))
    (tmp_path / "v.ids.txt").write_text("a\nb\nc\n")
    cli.main(["neighbors", "--vectors", str(tmp_path / "v.npy"), "--k", "1",
              "--exclude-self", "--output", "-"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(row["id"], row["neighbors"][0]["id"]) for row in lines] == [
        ("a", "b"), ("b", "a"), ("c", "b")]


def test_neighbors_wrong_query_dimension_names_file_and_line(files, tmp_path, capsys):
    _, _, _, _, base_path, _ = files
    bad = write_jsonl(tmp_path / "bad.jsonl", [
        {"id": "x", "embedding": [0.0] * 6}, {"id": "y", "embedding": [0.0] * 5}])
    code = cli.main(["neighbors", "--vectors", base_path, "--queries", bad,
                     "--output", str(tmp_path / "o.jsonl")])
    assert code == 1
    assert re.search(r"bad.jsonl:2: embedding has dimension 5, expected 6", capsys.readouterr().err)
    assert not (tmp_path / "o.jsonl").exists()


def test_evaluate_retrieval_truth_field(files, capsys):
    tmp_path, base, queries, truth, base_path, query_path = files
    out = str(tmp_path / "metrics.json")
    assert cli.main(["evaluate-retrieval", "--queries", query_path, "--base", base_path,
                     "--ks", "1,2", "--output", out]) == 0
    printed = dict(line.split("=") for line in capsys.readouterr().out.splitlines())
    assert set(printed) == {"hits_at_1", "hits_at_2", "mean_rank", "mrr", "num_queries",
                            "num_candidates"}
    metrics = json.load(open(out))
    unit = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)  # noqa: E731
    scores = unit(queries) @ unit(base).T
    ranks = 1 + (scores > scores[np.arange(20), truth][:, None]).sum(1)
    assert metrics["hits_at_1"] == pytest.approx(np.mean(ranks <= 1))
    assert metrics["mean_rank"] == pytest.approx(ranks.mean())
    assert metrics["num_queries"] == 20
    assert float(printed["mrr"]) == pytest.approx(np.mean(1 / ranks), rel=1e-5)


def test_evaluate_retrieval_paired_npy(tmp_path, capsys):
    np.save(tmp_path / "q.npy", np.array([[1, 0.1], [1, 0.2], [0, 1]], dtype=np.float32))
    np.save(tmp_path / "b.npy", np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32))
    cli.main(["evaluate-retrieval", "--queries", str(tmp_path / "q.npy"),
              "--base", str(tmp_path / "b.npy"), "--paired", "--ks", "1"])
    printed = dict(line.split("=") for line in capsys.readouterr().out.splitlines())
    # Ranks: query 0 -> base 0 first (1); query 1 -> base 1 third (3); query 2 -> base 2 second (2).
    assert printed == {"hits_at_1": "0.333333", "mean_rank": "2", "mrr": "0.611111",
                       "num_queries": "3", "num_candidates": "3"}


def test_evaluate_retrieval_unknown_truth_names_line(files, tmp_path, capsys):
    _, _, _, _, base_path, _ = files
    queries = write_jsonl(tmp_path / "q.jsonl", [
        {"id": "a", "embedding": [0.0] * 6, "truth": "d1"},
        {"id": "b", "embedding": [1.0] * 6, "truth": "nope"}])
    assert_cli_error(capsys, ["evaluate-retrieval", "--queries", queries, "--base", base_path],
                     r"q.jsonl:2: truth \"nope\" is not an id")


def test_evaluate_retrieval_duplicate_base_id(tmp_path, capsys):
    base = write_jsonl(tmp_path / "b.jsonl", [
        {"id": "d", "embedding": [1.0]}, {"id": "d", "embedding": [2.0]}])
    queries = write_jsonl(tmp_path / "q.jsonl", [{"embedding": [1.0], "truth": "d"}])
    assert_cli_error(capsys, ["evaluate-retrieval", "--queries", queries, "--base", base],
                     r"b.jsonl:2: duplicate id 'd'")


def test_evaluate_retrieval_paired_count_mismatch(tmp_path, capsys):
    np.save(tmp_path / "q.npy", np.ones((2, 2), dtype=np.float32))
    np.save(tmp_path / "b.npy", np.ones((3, 2), dtype=np.float32))
    assert_cli_error(capsys, ["evaluate-retrieval", "--queries", str(tmp_path / "q.npy"),
                              "--base", str(tmp_path / "b.npy"), "--paired"],
                     "as many queries as base vectors")


def test_evaluate_retrieval_bad_candidates_name_every_line(tmp_path, capsys):
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [{"in0": [1], "in1": [2], "label": 1}])
    candidates = tmp_path / "candidates.jsonl"
    candidates.write_text('{"in1": [3]}\n{"in1": [4, -1]}\n\n{"in1": []}\n[1]\n{"in1": [5]\n')
    assert cli.main(["evaluate-retrieval", "--model", str(tmp_path / "model"), "--pairs", pairs,
                     "--candidates", str(candidates)]) == 1
    err = capsys.readouterr().err
    for line, problem in ((2, "id -1 is negative"), (4, "is empty"), (5, "expected"),
                          (6, "malformed JSON")):
        assert re.search(rf"candidates\.jsonl:{line}: .*{problem}", err), (line, err)
    assert "candidates.jsonl:1:" not in err

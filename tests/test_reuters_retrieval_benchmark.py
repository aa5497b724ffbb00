"""Smoke test of benchmarks/reuters_retrieval.py: its --quick path on a generated corpus."""

import json

import pytest

from tests.test_benchmarks_smoke import run_benchmark


@pytest.mark.large
def test_reuters_retrieval_quick(tmp_path):
    out = tmp_path / "rows.json"
    stdout = run_benchmark("reuters_retrieval.py", "--quick", "--work-dir", str(tmp_path / "work"),
                           "--json", str(out))
    rows = {row["model"]: row for row in json.loads(out.read_text())}
    assert "| model | hits@1 | hits@10 | MRR | mean rank | train time (s) | notes |" in stdout
    assert "skipped" in rows["BM25 (rank-bm25 BM25Okapi)"]["notes"]  # --quick runs no peer
    trained = [row for name, row in rows.items() if name.startswith("keras_o2v")]
    assert len(trained) == 3
    for row in trained:
        assert 0 <= row["hits_at_1"] <= row["hits_at_10"] <= 1 and row["mean_rank"] >= 1
        assert row["train_s"] > 0 and row["validation"]["hits_at_10"] >= 0


@pytest.mark.large
def test_reuters_retrieval_full(tmp_path):
    stdout = run_benchmark("reuters_retrieval.py", "--work-dir", str(tmp_path), timeout=7200)
    assert "keras_o2v, + self-supervised pairs" in stdout

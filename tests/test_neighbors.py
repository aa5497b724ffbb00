"""NearestNeighbors and exact_search against a brute-force NumPy reference."""

import numpy as np
import pytest

from keras_o2v.errors import O2VError
from keras_o2v.neighbors import METRICS, NearestNeighbors, exact_search


def brute_force(base, queries, k, metric):
    """Reference: full score matrix, full sort. Returns (rows, scores)."""
    base = base.astype(np.float64)
    queries = queries.astype(np.float64)
    if metric == "cosine":
        unit = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)  # noqa: E731
        scores = unit(queries) @ unit(base).T
        order = np.argsort(-scores, axis=1)
    elif metric == "dot":
        scores = queries @ base.T
        order = np.argsort(-scores, axis=1)
    else:
        scores = np.sqrt(((queries[:, None, :] - base[None, :, :]) ** 2).sum(-1))
        order = np.argsort(scores, axis=1)
    rows = order[:, :k]
    return rows, np.take_along_axis(scores, rows, axis=1)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    base = rng.normal(size=(1500, 12)).astype(np.float32)
    # Vary the norms so dot, cosine and euclidean give different neighbours.
    base *= rng.uniform(0.2, 3.0, size=(1500, 1)).astype(np.float32)
    queries = rng.normal(size=(40, 12)).astype(np.float32)
    return base, queries


@pytest.mark.parametrize("metric", METRICS)
def test_exact_search_matches_brute_force(data, metric):
    base, queries = data
    ref_rows, ref_scores = brute_force(base, queries, 10, metric)
    rows, scores = exact_search(base, queries, 10, metric)
    np.testing.assert_array_equal(rows, ref_rows)
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("metric", METRICS)
def test_small_blocks_equal_unbatched(data, metric):
    base, queries = data
    whole = exact_search(base, queries, 9, metric, batch_size=10_000, base_batch_size=10_000)
    # Uneven block sizes exercise the dense and the sparse merge paths.
    small = exact_search(base, queries, 9, metric, batch_size=7, base_batch_size=97)
    tiny = exact_search(base, queries, 9, metric, batch_size=1, base_batch_size=5)
    for rows, scores in (small, tiny):
        np.testing.assert_array_equal(rows, whole[0])
        np.testing.assert_allclose(scores, whole[1], rtol=1e-5, atol=1e-5)


def test_scores_are_ordered_by_metric_convention(data):
    base, queries = data
    _, cosine = exact_search(base, queries, 5, "cosine")
    _, distance = exact_search(base, queries, 5, "euclidean")
    assert (np.diff(cosine, axis=1) <= 0).all()  # similarity: descending
    assert (np.diff(distance, axis=1) >= 0).all()  # distance: ascending
    assert (cosine <= 1.0 + 1e-6).all() and (distance >= 0).all()


def test_k_larger_than_base_is_clipped():
    base = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    rows, scores = exact_search(base, [[1.0, 0.0]], k=10, metric="euclidean")
    assert rows.tolist() == [[0, 2, 1]]
    np.testing.assert_allclose(scores, [[0.0, 1.0, np.sqrt(2.0)]], atol=1e-6)


def test_zero_vectors_have_zero_cosine_similarity():
    base = np.array([[0.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    rows, scores = exact_search(base, [[2.0, 0.0], [0.0, 0.0]], k=2, metric="cosine")
    assert rows[0].tolist() == [1, 0]
    np.testing.assert_allclose(scores[0], [1.0, 0.0])
    np.testing.assert_allclose(scores[1], [0.0, 0.0])


def test_index_returns_ids_and_accepts_one_vector():
    index = NearestNeighbors(np.eye(3), ids=["a", "b", "c"], metric="dot")
    ids, scores = index.search([0.2, 0.0, 0.9], k=2)
    assert ids.tolist() == [["c", "a"]]
    np.testing.assert_allclose(scores, [[0.9, 0.2]], rtol=1e-6)
    assert len(index) == 3 and index.dim == 3


def test_index_rejects_bad_arguments():
    with pytest.raises(ValueError, match="metric"):
        NearestNeighbors(np.eye(2), metric="manhattan")
    with pytest.raises(ValueError, match="2 ids for 3 vectors"):
        NearestNeighbors(np.eye(3), ids=["a", "b"])
    with pytest.raises(ValueError, match="dimension 2 but the index holds 3"):
        NearestNeighbors(np.eye(3)).search(np.ones((1, 2)), k=1)


def test_faiss_backend_missing_gives_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_faiss(name, *args, **kwargs):
        if name == "faiss":
            raise ImportError("No module named 'faiss'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_faiss)
    with pytest.raises(O2VError, match=r"keras_o2v\[faiss\]"):
        NearestNeighbors(np.eye(3), backend="faiss")


@pytest.mark.parametrize("metric", METRICS)
def test_faiss_flat_matches_exact(data, metric):
    pytest.importorskip("faiss")
    base, queries = data
    exact = NearestNeighbors(base, metric=metric).search(queries, 5)
    approx = NearestNeighbors(base, metric=metric, backend="faiss", faiss_index="flat")
    rows, scores = approx.search(queries, 5)
    np.testing.assert_array_equal(rows, exact[0])
    np.testing.assert_allclose(scores, exact[1], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("faiss_index", ["ivf", "hnsw"])
def test_faiss_approximate_has_high_recall(data, faiss_index):
    pytest.importorskip("faiss")
    base, queries = data
    exact_rows, _ = NearestNeighbors(base).search(queries, 10)
    index = NearestNeighbors(base, backend="faiss", faiss_index=faiss_index, nprobe=8)
    rows, _ = index.search(queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact_rows, rows)])
    assert recall > 0.7


@pytest.mark.parametrize("metric", METRICS)
def test_many_ties_give_k_distinct_rows_with_reference_scores(metric):
    rng = np.random.default_rng(11)
    base = np.repeat(rng.normal(size=(30, 4)).astype(np.float32), 20, axis=0)  # 20 copies each
    queries = rng.normal(size=(9, 4)).astype(np.float32)
    rows, scores = exact_search(base, queries, 25, metric, batch_size=4, base_batch_size=64)
    _, ref_scores = brute_force(base, queries, 25, metric)
    assert all(len(set(r)) == 25 for r in rows)
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-4, atol=1e-4)
    # Returned scores are the true scores of the returned rows.
    _, all_scores = brute_force(base, queries, len(base), metric)
    full = np.empty((len(queries), len(base)))
    full[np.arange(len(queries))[:, None], brute_force(base, queries, len(base), metric)[0]] = (
        all_scores)
    np.testing.assert_allclose(scores, np.take_along_axis(full, rows, axis=1), rtol=1e-4,
                               atol=1e-4)


def test_mixed_type_ids_are_kept_as_given():
    index = NearestNeighbors(np.eye(2), ids=[7, "seven"], metric="dot")
    ids, _ = index.search(np.eye(2), k=1)
    assert ids.tolist() == [[7], ["seven"]]
    assert isinstance(ids[0, 0], int)


def test_memory_is_bounded_by_blocks_not_by_query_x_base():
    import tracemalloc

    rng = np.random.default_rng(5)
    base = rng.normal(size=(50_000, 16)).astype(np.float32)
    queries = rng.normal(size=(2_000, 16)).astype(np.float32)
    index = NearestNeighbors(base, metric="euclidean", batch_size=128, base_batch_size=4096)
    tracemalloc.start()
    try:
        rows, _ = index.search(queries, 5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    full_matrix = queries.shape[0] * base.shape[0] * 4  # 400 MB
    assert peak < 16 * 2**20 < full_matrix / 20, peak
    np.testing.assert_array_equal(rows[:20], brute_force(base, queries[:20], 5, "euclidean")[0])


def test_cli_faiss_backend(tmp_path):
    pytest.importorskip("faiss")
    import json

    from keras_o2v import cli

    np.save(tmp_path / "v.npy", np.random.default_rng(0).normal(size=(200, 4)).astype("f4"))
    out = tmp_path / "o.jsonl"

    def neighbors(*flags):
        cli.main(["neighbors", "--vectors", str(tmp_path / "v.npy"), "--backend", "faiss",
                  "--faiss-index", "flat", "--output", str(out), *flags])
        return [json.loads(line) for line in out.read_text().splitlines()]

    with_self = neighbors("--k", "4", "--include-self")
    assert len(with_self) == 200
    assert all(line["neighbors"][0]["id"] == line["id"] for line in with_self)
    # By default the base vectors' own rows are left out: the next three instead.
    assert [[n["id"] for n in line["neighbors"]] for line in neighbors("--k", "3")] == [
        [n["id"] for n in line["neighbors"][1:]] for line in with_self]

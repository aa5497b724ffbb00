"""The deprecated vector retrieval metrics (`keras_o2v.neighbors.retrieval`): old keys, and
keras_o2v.evaluation's realistic ranks, on hand-computable cases and against brute force."""

import numpy as np
import pytest

from keras_o2v.neighbors import metrics_from_ranks, retrieval_metrics, retrieval_ranks


def test_metrics_from_ranks_by_hand():
    metrics = metrics_from_ranks([1, 2, 4, 10], ks=(1, 3, 10))
    assert metrics["hits@1"] == 0.25
    assert metrics["hits@3"] == 0.5
    assert metrics["hits@10"] == 1.0
    assert metrics["mean_rank"] == pytest.approx(17 / 4)
    assert metrics["median_rank"] == pytest.approx(3.0)
    assert metrics["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 4 + 1 / 10) / 4)
    assert metrics["num_queries"] == 4


def test_metrics_from_ranks_rejects_bad_ranks():
    with pytest.raises(ValueError):
        metrics_from_ranks([])
    with pytest.raises(ValueError):
        metrics_from_ranks([0, 1])


def test_ranks_by_hand():
    base = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    queries = np.array([[1.0, 0.1], [1.0, 0.1], [1.0, 0.1]])
    # Cosine order for the query: row 0 (0.995), row 2 (0.77), row 1 (0.0995).
    assert retrieval_ranks(queries, base, truth=[0, 2, 1]).tolist() == [1, 2, 3]
    # Dot product order: row 2 (1.1), row 0 (1.0), row 1 (0.1).
    assert retrieval_ranks(queries, base, [0, 2, 1], metric="dot").tolist() == [2, 1, 3]


def test_a_tie_with_the_true_item_counts_one_half():
    base = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])
    assert retrieval_ranks([[1.0, 0.0]], base, truth=[1]).tolist() == [1.5]


@pytest.mark.parametrize("metric", ["cosine", "dot", "euclidean"])
def test_batched_ranks_equal_brute_force(metric):
    rng = np.random.default_rng(3)
    base = rng.normal(size=(300, 8)) * rng.uniform(0.3, 3, size=(300, 1))
    truth = rng.integers(0, 300, size=50)
    queries = base[truth] + 0.8 * rng.normal(size=(50, 8))
    if metric == "cosine":
        unit = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)  # noqa: E731
        scores = unit(queries) @ unit(base).T
    elif metric == "dot":
        scores = queries @ base.T
    else:
        scores = -np.linalg.norm(queries[:, None] - base[None], axis=-1)
    true_scores = scores[np.arange(50), truth][:, None]
    expected = 1 + (scores > true_scores).sum(axis=1)
    ranks = retrieval_ranks(queries, base, truth, metric, batch_size=6, base_batch_size=41)
    np.testing.assert_array_equal(ranks, expected)
    assert len(set(ranks.tolist())) > 3  # a non-trivial case


def test_retrieval_metrics_perfect_and_shuffled():
    base = np.eye(4)
    assert retrieval_metrics(base, base, truth=[0, 1, 2, 3], ks=(1,)) == {
        "hits@1": 1.0, "mean_rank": 1.0, "median_rank": 1.0, "mrr": 1.0, "num_queries": 4}
    metrics = retrieval_metrics(base, base, truth=[1, 0, 3, 2], ks=(1,))
    # Each true item ties (similarity 0) with two others: realistic rank 1 + 1 + 2 / 2.
    assert metrics["hits@1"] == 0.0 and metrics["mean_rank"] == 3.0


def test_retrieval_ranks_validates_inputs():
    with pytest.raises(ValueError, match="truth rows"):
        retrieval_ranks(np.eye(2), np.eye(2), truth=[0, 2])
    with pytest.raises(ValueError, match="dimension"):
        retrieval_ranks(np.eye(3), np.eye(2), truth=[0, 1, 1])


def test_the_old_names_warn_and_give_the_ranks_of_the_evaluation_home():
    import keras_o2v
    from keras_o2v.evaluation import vector_ranks

    base = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])
    for call in (lambda: retrieval_ranks([[1.0, 0.0]], base, truth=[1]),
                 lambda: metrics_from_ranks([1.5]),
                 lambda: retrieval_metrics([[1.0, 0.0]], base, truth=[1]),
                 lambda: keras_o2v.retrieval_metrics([[1.0, 0.0]], base, truth=[1])):
        with pytest.warns(DeprecationWarning, match="keras_o2v.evaluation"):
            call()
    with pytest.warns(DeprecationWarning):
        assert retrieval_metrics([[1.0, 0.0]], base, truth=[1])["mean_rank"] == \
            vector_ranks([[1.0, 0.0]], base, truth=[1])[0] == 1.5

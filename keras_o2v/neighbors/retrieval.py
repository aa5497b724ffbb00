"""Retrieval metrics: hits@k, mean rank, median rank and MRR.

Each query has exactly one ground-truth item in a base set (as in SageMaker's
Object2Vec document-embedding example, where a half-document must retrieve its
other half among all documents). The rank of the true item is computed by
scanning the base in blocks, so a large base never needs a full query x base
score matrix.

Rank convention: `rank = 1 + number of other base items strictly nearer than
the true item` (1 is best). Items that tie the true item do not push it down
(optimistic ranking); with float embeddings exact ties are rare.
"""

import numpy as np

from keras_o2v.neighbors import blocked_search


def retrieval_ranks(queries, base, truth, metric="cosine", batch_size=1024,
                    base_batch_size=32768):
    """1-based rank of each query's true base item among all base items.

    Args:
        queries: float array `[num_queries, dim]`.
        base: float array `[num_base, dim]`.
        truth: int array `[num_queries]`, the base row of each query's true item.
        metric: `"cosine"` (the SageMaker notebook's choice: cosine similarity
            of L2-normalised embeddings), `"dot"` or `"euclidean"`.
        batch_size: queries per block.
        base_batch_size: base rows per block.

    Returns:
        int64 array `[num_queries]` of ranks in `1..num_base`.

    Example:
    >>> base = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> retrieval_ranks([[0.9, 0.1], [0.9, 0.2]], base, truth=[0, 1]).tolist()
    [1, 2]
    """
    base = blocked_search.as_matrix(base, "base")
    queries = blocked_search.as_matrix(queries, "queries")
    truth = np.asarray(truth, dtype=np.int64).reshape(-1)
    if queries.shape[1] != base.shape[1]:
        raise ValueError(
            f"queries have dimension {queries.shape[1]} but base vectors have {base.shape[1]}.")
    if truth.shape[0] != queries.shape[0]:
        raise ValueError(f"Got {truth.shape[0]} truth rows for {queries.shape[0]} queries.")
    if truth.size and (truth.min() < 0 or truth.max() >= base.shape[0]):
        raise ValueError(f"truth rows must lie in [0, {base.shape[0]}).")
    stats = blocked_search.BaseStatistics(base, metric)
    ranks = np.empty(queries.shape[0], dtype=np.int64)
    for q_start in range(0, queries.shape[0], batch_size):
        prepared = stats.prepare_queries(queries[q_start:q_start + batch_size])
        rows = truth[q_start:q_start + len(prepared)]
        true_keys = stats.row_keys(prepared, rows)[:, None]
        better = np.zeros(len(prepared), dtype=np.int64)
        for b_start in range(0, base.shape[0], base_batch_size):
            b_stop = min(b_start + base_batch_size, base.shape[0])
            beats = stats.keys(prepared, b_start, b_stop) > true_keys
            # The true item never counts against itself, even if rounding differs.
            inside = np.flatnonzero((rows >= b_start) & (rows < b_stop))
            beats[inside, rows[inside] - b_start] = False
            better += beats.sum(axis=1)
        ranks[q_start:q_start + len(prepared)] = better + 1
    return ranks


def metrics_from_ranks(ranks, ks=(1, 5, 10)):
    """Summarises 1-based ranks as retrieval metrics.

    Args:
        ranks: int array of 1-based ranks, one per query.
        ks: cut-offs for `hits@k` (the fraction of queries with rank <= k).

    Returns:
        A dict with `hits@k` for each k, `mean_rank`, `median_rank`, `mrr`
        (mean reciprocal rank) and `num_queries`.

    Example:
    >>> metrics_from_ranks([1, 2, 4], ks=(1,))["mrr"]
    0.5833333333333334
    """
    ranks = np.asarray(ranks, dtype=np.float64).reshape(-1)
    if ranks.size == 0:
        raise ValueError("No ranks to summarise.")
    if (ranks < 1).any():
        raise ValueError("Ranks are 1-based and must be >= 1.")
    metrics = {f"hits@{int(k)}": float(np.mean(ranks <= k)) for k in ks}
    metrics["mean_rank"] = float(np.mean(ranks))
    metrics["median_rank"] = float(np.median(ranks))
    metrics["mrr"] = float(np.mean(1.0 / ranks))
    metrics["num_queries"] = int(ranks.size)
    return metrics


def retrieval_metrics(queries, base, truth, metric="cosine", ks=(1, 5, 10), batch_size=1024,
                      base_batch_size=32768):
    """hits@k, mean/median rank and MRR of queries against a base set.

    Args:
        queries: float array `[num_queries, dim]`.
        base: float array `[num_base, dim]`.
        truth: int array `[num_queries]`, the base row of each query's true item.
        metric: `"cosine"`, `"dot"` or `"euclidean"`.
        ks: cut-offs for `hits@k`.
        batch_size: queries per block.
        base_batch_size: base rows per block.

    Returns:
        The dict of `metrics_from_ranks`.

    Example:
    >>> base = np.eye(2)
    >>> retrieval_metrics(base, base, truth=[0, 1], ks=(1,))["hits@1"]
    1.0
    """
    ranks = retrieval_ranks(queries, base, truth, metric, batch_size, base_batch_size)
    return metrics_from_ranks(ranks, ks)

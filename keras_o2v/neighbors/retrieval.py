"""Deprecated: keras_o2v 0.1's vector retrieval metrics, now `keras_o2v.evaluation`.

`retrieval_ranks`, `metrics_from_ranks` and `retrieval_metrics` (also
`keras_o2v.retrieval_metrics`) keep their arguments and their `hits@k`,
`mean_rank`, `median_rank`, `mrr`, `num_queries` keys for one release, and warn when
called. Their ranks are those of `keras_o2v.evaluation.vector_ranks`: realistic ranks
for ties (`1 + greater + equal / 2`, the expected rank under random tie-breaking), where
keras_o2v 0.1 gave a true item that ties with others the best of their places. Use
`keras_o2v.evaluation.vector_ranking_metrics` (keys `hits_at_k`, `mrr`, `mean_rank`,
default ks 1, 10, 100, and `exclude` for a query's own row).

Example:
>>> metrics_from_ranks([1, 2, 4], ks=(1,))["mrr"]  # doctest: +SKIP
0.5833333333333334
"""

import numpy as np

from keras_o2v.deprecated import warn_moved

OLD_KS = (1, 5, 10)


def retrieval_ranks(queries, base, truth, metric="cosine", batch_size=1024,
                    base_batch_size=32768):
    """Deprecated: `keras_o2v.evaluation.vector_ranks` (realistic ranks for ties, float64)."""
    from keras_o2v.evaluation.vector_ranking import vector_ranks

    warn_moved("keras_o2v.neighbors.retrieval_ranks", "keras_o2v.evaluation.vector_ranks")
    return vector_ranks(queries, base, truth, metric, batch_size=batch_size,
                        base_batch_size=base_batch_size)


def metrics_from_ranks(ranks, ks=OLD_KS):
    """Deprecated: `keras_o2v.evaluation.summarize_ranks` (keys `hits_at_k`).

    Returns:
        A dict with `hits@k` for each k, `mean_rank`, `median_rank`, `mrr` and
        `num_queries`.
    """
    warn_moved("keras_o2v.neighbors.metrics_from_ranks", "keras_o2v.evaluation.summarize_ranks")
    return _old_metrics(ranks, ks)


def retrieval_metrics(queries, base, truth, metric="cosine", ks=OLD_KS, batch_size=1024,
                      base_batch_size=32768):
    """Deprecated: `keras_o2v.evaluation.vector_ranking_metrics` (keys `hits_at_k`).

    Returns:
        The dict of `metrics_from_ranks` of `keras_o2v.evaluation.vector_ranks`.
    """
    from keras_o2v.evaluation.vector_ranking import vector_ranks

    warn_moved("keras_o2v.retrieval_metrics (keras_o2v.neighbors.retrieval_metrics)",
               "keras_o2v.evaluation.vector_ranking_metrics, whose keys are hits_at_k")
    ranks = vector_ranks(queries, base, truth, metric, batch_size=batch_size,
                         base_batch_size=base_batch_size)
    return _old_metrics(ranks, ks)


def _old_metrics(ranks, ks):
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

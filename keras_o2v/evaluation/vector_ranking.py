"""Ranking of query vectors against a base set of vectors, each query with one true item.

As in SageMaker's Object2Vec document-embedding example, where a half-document must
retrieve its other half among all documents. The true item's rank among all base
items (realistic rank for ties, `keras_o2v.evaluation.ranks`) is computed by scanning
the base in blocks of `base_batch_size` rows for each block of `batch_size` queries,
with the ranking keys of `NearestNeighbors`' exact backend
(`keras_o2v.neighbors.blocked_search`): memory stays at one score block whatever the
base's size, and no Python loop runs per query.

`exclude` leaves one base row per query out of its candidates, typically the query's
own row when queries and base are the same vectors (see
`keras_o2v.evaluation.own_object`).

Example:
>>> base = np.array([[1.0, 0.0], [0.0, 1.0]])
>>> vector_ranks([[0.9, 0.1], [0.9, 0.2]], base, truth=[0, 1]).tolist()
[1.0, 2.0]
"""

import numpy as np

from keras_o2v.evaluation.ranks import nan_lowest, realistic_ranks
from keras_o2v.evaluation.summaries import summarize_ranks
from keras_o2v.metric_names import RANKING_KS
from keras_o2v.neighbors.blocked_search import BaseStatistics, as_matrix

# Query rows whose true keys are computed by one matrix product (the diagonal of a
# square block), so that they round as the base blocks' keys do and exact ties count.
TRUE_KEY_ROWS = 256


def vector_ranks(queries, base, truth, metric="cosine", exclude=None, batch_size=1024,
                 base_batch_size=32768):
    """Realistic 1-based rank of each query's true base item among all base items.

    Args:
        queries: float array `[num_queries, dim]`.
        base: float array `[num_base, dim]`.
        truth: int array `[num_queries]`, the base row of each query's true item.
        metric: `"cosine"` (the SageMaker notebook's choice: cosine similarity of
            L2-normalised embeddings), `"dot"` or `"euclidean"`.
        exclude: optional int array `[num_queries]`: a base row left out of each query's
            candidates (its own object), -1 for none; it is never the true item's row
            (a query whose own row is its true item is ranked as any other).
        batch_size: queries per block.
        base_batch_size: base rows per block.

    Returns:
        float64 array `[num_queries]` of ranks in `[1, num_base]`.
    """
    base = as_matrix(base, "base")
    queries = as_matrix(queries, "queries")
    truth = np.asarray(truth, dtype=np.int64).reshape(-1)
    if queries.shape[1] != base.shape[1]:
        raise ValueError(
            f"queries have dimension {queries.shape[1]} but base vectors have {base.shape[1]}.")
    if truth.shape[0] != queries.shape[0]:
        raise ValueError(f"Got {truth.shape[0]} truth rows for {queries.shape[0]} queries.")
    if truth.size and (truth.min() < 0 or truth.max() >= base.shape[0]):
        raise ValueError(f"truth rows must lie in [0, {base.shape[0]}).")
    exclude = _exclusions(exclude, truth, base.shape[0])
    stats = BaseStatistics(base, metric)
    ranks = np.empty(queries.shape[0], dtype=np.float64)
    # Keys and comparison masks, reused block after block (fresh ones fault their pages in).
    size = min(batch_size, len(queries)) * min(base_batch_size, len(base))
    key_buffer = np.empty(size, queries.dtype)
    buffers = [np.empty(size, bool) for _ in range(2)]
    for q_start in range(0, queries.shape[0], batch_size):
        prepared = stats.prepare_queries(queries[q_start:q_start + batch_size])
        rows = slice(q_start, q_start + len(prepared))
        true_keys = nan_lowest(_true_keys(stats, prepared, truth[rows]))[:, None]
        greater = np.zeros(len(prepared), dtype=np.int64)
        equal = np.zeros(len(prepared), dtype=np.int64)
        for b_start in range(0, base.shape[0], base_batch_size):
            b_stop = min(b_start + base_batch_size, base.shape[0])
            shape = (len(prepared), b_stop - b_start)
            keys = stats.keys(prepared, b_start, b_stop,
                              out=key_buffer[:shape[0] * shape[1]].reshape(shape))
            above, tied = (buffer[:keys.size].reshape(shape) for buffer in buffers)
            np.greater(keys, true_keys, out=above)
            np.equal(keys, true_keys, out=tied)
            for dropped in (truth[rows], exclude[rows]):  # the true item never counts against itself
                _clear(above, tied, dropped, b_start, b_stop)
            greater += _count(above)
            equal += _count(tied)
        ranks[rows] = realistic_ranks(greater, equal)
    return ranks


def vector_ranking_metrics(queries, base, truth, metric="cosine", ks=RANKING_KS, exclude=None,
                           batch_size=1024, base_batch_size=32768):
    """`hits_at_k`, `mrr` and `mean_rank` of queries against a base set (see `vector_ranks`).

    Args:
        queries, base, truth, metric, exclude, batch_size, base_batch_size: as for
            `vector_ranks`.
        ks: cut-offs of `hits_at_k`.

    Returns:
        The dict of `summarize_ranks`, plus `num_queries` and `num_candidates`.

    Example:
    >>> base = np.eye(2)
    >>> vector_ranking_metrics(base, base, truth=[0, 1], ks=(1,))["hits_at_1"]
    1.0
    """
    ranks = vector_ranks(queries, base, truth, metric, exclude, batch_size, base_batch_size)
    metrics = summarize_ranks(ranks, ks)
    metrics.update(num_queries=int(len(ranks)), num_candidates=int(as_matrix(base).shape[0]))
    return metrics


def _exclusions(exclude, truth, num_base):
    """Excluded base rows, -1 where none or where the row is the true item's."""
    if exclude is None:
        return np.full(len(truth), -1, np.int64)
    exclude = np.asarray(exclude, np.int64).reshape(-1)
    if exclude.shape != truth.shape:
        raise ValueError(f"Got {len(exclude)} excluded rows for {len(truth)} queries.")
    if exclude.size and (exclude.min() < -1 or exclude.max() >= num_base):
        raise ValueError(f"excluded rows must lie in [0, {num_base}), or be -1 for none.")
    return np.where(exclude == truth, -1, exclude)


def _true_keys(stats, prepared, truth):
    """Ranking keys of each query with its true row, from the same kind of matrix product."""
    out = np.empty(len(prepared), prepared.dtype)
    for start in range(0, len(prepared), TRUE_KEY_ROWS):
        part = slice(start, start + TRUE_KEY_ROWS)
        rows = truth[part]
        keys = prepared[part] @ stats.base[rows].T
        keys = np.diagonal(keys).copy()
        if stats.metric == "cosine":
            keys *= stats.row_scale[rows]
        elif stats.metric == "euclidean":
            keys -= stats.half_sq_norms[rows]
        out[part] = keys
    return out


def _count(mask):
    """True entries per row of a contiguous bool matrix (as bytes: twice as fast as `sum`)."""
    return mask.view(np.uint8).sum(axis=1, dtype=np.int32)


def _clear(above, tied, rows, start, stop):
    """Leaves base row `rows[i]` out of query i's counts where it lies in `[start, stop)`."""
    inside = np.flatnonzero((rows >= start) & (rows < stop))
    above[inside, rows[inside] - start] = False
    tied[inside, rows[inside] - start] = False

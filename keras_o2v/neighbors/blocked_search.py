"""Exact k-nearest-neighbour search in blocks, with bounded memory.

The base set is scanned in blocks of `base_batch_size` rows for each block of
`batch_size` queries. Only a `[batch_size, base_batch_size]` score block and a
running `[batch_size, k]` top-k are ever held, never the full query x base
matrix: working memory is about 10 bytes x `batch_size` x `base_batch_size`
(about 320 MB at the defaults 1024 x 32768) on top of the base vectors, whatever
their number, so a million 256-d vectors are searched as easily as a thousand.

Score conventions (see `METRICS`):
    - `"cosine"`: cosine similarity in [-1, 1], higher is nearer. A zero
      vector has similarity 0 to everything.
    - `"dot"`: inner product, higher is nearer.
    - `"euclidean"`: Euclidean (L2) distance, lower is nearer.
"""

import numpy as np

METRICS = ("cosine", "dot", "euclidean")
HIGHER_IS_BETTER = {"cosine": True, "dot": True, "euclidean": False}


def check_metric(metric):
    """Returns `metric` if it is one of `METRICS`, else raises `ValueError`."""
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}; expected one of {', '.join(METRICS)}.")
    return metric


def as_matrix(vectors, name="vectors", dtype=np.float32):
    """Returns `vectors` as a 2-D float array (without copying when possible)."""
    array = np.asarray(vectors, dtype=dtype)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D [count, dim], got shape {array.shape}.")
    return array


class BaseStatistics:
    """Per-row statistics of a base set that turn a dot product into a ranking key.

    The ranking key is "higher is nearer" for every metric:
    cosine: `q_hat . b / |b|`; dot: `q . b`; euclidean: `q . b - |b|^2 / 2`
    (which orders like `-|q - b|^2 / 2` for a fixed query).

    Args:
        base: float array `[num_base, dim]`.
        metric: one of `METRICS`.
    """

    def __init__(self, base, metric):
        self.metric = check_metric(metric)
        self.base = base
        if metric == "cosine":
            norms = np.linalg.norm(base, axis=1)
            with np.errstate(divide="ignore"):
                self.row_scale = np.where(norms > 0, 1.0 / norms, 0.0).astype(base.dtype)
        elif metric == "euclidean":
            self.half_sq_norms = 0.5 * np.einsum("ij,ij->i", base, base)

    def prepare_queries(self, queries):
        """Normalises queries for cosine; returns them unchanged otherwise."""
        if self.metric != "cosine":
            return queries
        norms = np.linalg.norm(queries, axis=1, keepdims=True)
        return np.divide(queries, norms, out=np.zeros_like(queries), where=norms > 0)

    def keys(self, queries, start, stop, out=None):
        """Ranking keys `[len(queries), stop - start]` of prepared queries vs base rows.

        `out`: optional float array of that shape (and the queries' dtype) to write them to.
        """
        keys = np.matmul(queries, self.base[start:stop].T, out=out)
        if self.metric == "cosine":
            keys *= self.row_scale[start:stop]
        elif self.metric == "euclidean":
            keys -= self.half_sq_norms[start:stop]
        return keys

    def row_keys(self, queries, rows):
        """Ranking keys of each prepared query vs one base row each (`rows[i]`)."""
        base = self.base[rows]
        keys = np.einsum("ij,ij->i", queries, base)
        if self.metric == "cosine":
            keys = keys * self.row_scale[rows]
        elif self.metric == "euclidean":
            keys = keys - self.half_sq_norms[rows]
        return keys

    def scores(self, raw_queries, keys, rows):
        """Converts the top-k ranking keys to the metric's documented scores."""
        if self.metric != "euclidean":
            return keys
        diff = raw_queries[:, None, :] - self.base[np.maximum(rows, 0)]
        distances = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
        return np.where(rows >= 0, distances, np.inf).astype(keys.dtype)


def _merge_candidates(best_keys, best_rows, cand_query, cand_keys, cand_rows, k):
    """Merges sparse candidates `(query, key, row)` into the running top-k."""
    num_queries = best_keys.shape[0]
    all_query = np.concatenate([np.repeat(np.arange(num_queries), k), cand_query])
    all_keys = np.concatenate([best_keys.ravel(), cand_keys])
    all_rows = np.concatenate([best_rows.ravel(), cand_rows])
    order = np.lexsort((-all_keys, all_query))
    counts = np.bincount(all_query, minlength=num_queries)
    starts = np.cumsum(counts) - counts
    position = np.arange(order.size) - np.repeat(starts, counts)
    keep = order[position < k]
    return all_keys[keep].reshape(num_queries, k), all_rows[keep].reshape(num_queries, k)


def top_k_keys(stats, queries, k, base_batch_size):
    """Running top-k over base blocks for one block of prepared queries.

    For each base block, only the entries that beat the running k-th best key
    of their query become candidates (`np.nonzero` of a boolean mask); when a
    block has many (always for the first one), the block's own k-th best key
    (`np.partition`) raises the bar first. Candidates are merged into the
    running top-k by one sort. Working memory is about 9 bytes per entry of
    the score block; no index matrix of the block is ever built.

    Returns `(keys, rows)`, both `[num_queries, k]`, sorted best first.
    """
    num_queries = queries.shape[0]
    num_base = stats.base.shape[0]
    best_keys = np.full((num_queries, k), -np.inf, dtype=np.float32)
    best_rows = np.full((num_queries, k), -1, dtype=np.int64)
    for start in range(0, num_base, base_batch_size):
        stop = min(start + base_batch_size, num_base)
        keys = stats.keys(queries, start, stop)
        threshold = best_keys[:, -1:]
        mask = keys > threshold
        width = keys.shape[1]
        if width > k and np.count_nonzero(mask) > keys.size // 8:
            block_kth = np.partition(keys, width - k, axis=1)[:, width - k:width - k + 1]
            mask = keys >= np.maximum(threshold, block_kth)
        cand_query, cand_col = np.nonzero(mask)
        del mask
        best_keys, best_rows = _merge_candidates(
            best_keys, best_rows, cand_query, keys[cand_query, cand_col], cand_col + start, k)
    return best_keys, best_rows


def exact_search(base, queries, k, metric="cosine", batch_size=1024, base_batch_size=32768,
                 stats=None):
    """Exact k-NN of `queries` in `base`, computed block by block.

    Args:
        base: float array `[num_base, dim]`.
        queries: float array `[num_queries, dim]`.
        k: number of neighbours; clipped to `num_base`.
        metric: `"cosine"`, `"dot"` or `"euclidean"`.
        batch_size: queries per block.
        base_batch_size: base rows per block.
        stats: optional precomputed `BaseStatistics` for `base`.

    Returns:
        `(rows, scores)`: int64 base row indices and float32 scores, both
        `[num_queries, min(k, num_base)]`, nearest first (highest similarity
        or lowest distance).

    Example:
    >>> base = np.eye(3, dtype="float32")
    >>> rows, scores = exact_search(base, base[:1], k=2)
    >>> int(rows[0, 0]), float(scores[0, 0])
    (0, 1.0)
    """
    base = as_matrix(base, "base")
    queries = as_matrix(queries, "queries")
    if queries.shape[1] != base.shape[1]:
        raise ValueError(
            f"queries have dimension {queries.shape[1]} but base vectors have {base.shape[1]}.")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}.")
    if batch_size < 1 or base_batch_size < 1:
        raise ValueError("batch_size and base_batch_size must be >= 1.")
    stats = stats or BaseStatistics(base, metric)
    k = min(int(k), base.shape[0])
    all_rows = np.empty((queries.shape[0], k), dtype=np.int64)
    all_scores = np.empty((queries.shape[0], k), dtype=np.float32)
    for start in range(0, queries.shape[0], batch_size):
        raw = queries[start:start + batch_size]
        keys, rows = top_k_keys(stats, stats.prepare_queries(raw), k, base_batch_size)
        all_rows[start:start + len(raw)] = rows
        all_scores[start:start + len(raw)] = stats.scores(raw, keys, rows)
    return all_rows, all_scores

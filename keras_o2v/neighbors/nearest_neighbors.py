"""`NearestNeighbors`: a k-NN index over embeddings, exact or (with faiss) approximate."""

import numpy as np

from keras_o2v.errors import O2VError
from keras_o2v.neighbors import blocked_search as exact_lib

BACKENDS = ("exact", "faiss")
FAISS_INDEXES = ("ivf", "hnsw", "flat")


def import_faiss():
    """Imports faiss, or raises `O2VError` explaining how to install it."""
    try:
        import faiss  # noqa: PLC0415 (optional dependency, imported lazily)
    except ImportError as error:
        raise O2VError(
            "backend='faiss' needs the faiss package, which is not installed. "
            "Install it with `pip install keras_o2v[faiss]` (or `pip install faiss-cpu`), "
            "or use backend='exact'."
        ) from error
    return faiss


def _id_array(ids):
    """Ids as a 1-D array; mixed types (e.g. ints and strings) stay Python objects."""
    if isinstance(ids, np.ndarray):
        return ids
    ids = list(ids)
    if len({type(i) for i in ids}) > 1:
        array = np.empty(len(ids), dtype=object)
        array[:] = ids
        return array
    return np.asarray(ids)


class NearestNeighbors:
    """A k-nearest-neighbour index over a fixed set of embedding vectors.

    The default `"exact"` backend scans the base vectors block by block with
    NumPy matrix products and a running top-k merge, so memory stays bounded
    by `batch_size x base_batch_size` scores whatever the number of vectors.
    The `"faiss"` backend builds an approximate faiss index (IVF-Flat by
    default, HNSW or exact Flat on request) behind the same API; it needs the
    optional `faiss` extra.

    Scores returned by `search`:
        - `metric="cosine"`: cosine similarity, higher is nearer.
        - `metric="dot"`: inner product, higher is nearer.
        - `metric="euclidean"`: Euclidean (L2) distance, lower is nearer.
    Neighbours are always ordered nearest first. With `"exact"`, ties at the
    k-th place are broken arbitrarily.

    Args:
        vectors: float array-like `[num_vectors, dim]`, the base set.
        ids: optional sequence of `num_vectors` ids returned by `search`;
            defaults to row numbers `0..num_vectors-1`.
        metric: `"cosine"`, `"dot"` or `"euclidean"`.
        batch_size: queries per block (exact backend).
        base_batch_size: base vectors per block (exact backend).
        backend: `"exact"` or `"faiss"`.
        faiss_index: `"ivf"`, `"hnsw"` or `"flat"` (faiss backend).
        nlist: IVF cells; defaults to about `sqrt(num_vectors)` (k-means is
            trained on a sample of `64 * nlist` vectors).
        nprobe: IVF cells visited per query.
        hnsw_m: HNSW graph degree.
        ef_search: HNSW search breadth.

    Example:
    >>> import numpy as np
    >>> index = keras_o2v.neighbors.NearestNeighbors(
    ...     np.eye(3), ids=["a", "b", "c"], metric="cosine")
    >>> ids, scores = index.search([[1.0, 0.1, 0.0]], k=2)
    >>> list(ids[0])
    ['a', 'b']
    """

    def __init__(self, vectors, ids=None, metric="cosine", batch_size=1024,
                 base_batch_size=32768, backend="exact", faiss_index="ivf", nlist=None,
                 nprobe=16, hnsw_m=32, ef_search=64):
        self.metric = exact_lib.check_metric(metric)
        if backend not in BACKENDS:
            raise ValueError(f"Unknown backend {backend!r}; expected one of {BACKENDS}.")
        if faiss_index not in FAISS_INDEXES:
            raise ValueError(f"Unknown faiss_index {faiss_index!r}; expected {FAISS_INDEXES}.")
        self.vectors = exact_lib.as_matrix(vectors, "vectors")
        if self.vectors.shape[0] == 0:
            raise ValueError("NearestNeighbors needs at least one vector.")
        if ids is not None:
            ids = _id_array(ids)
            if ids.shape != (self.vectors.shape[0],):
                raise ValueError(f"Got {len(ids)} ids for {self.vectors.shape[0]} vectors.")
        self.ids = ids
        self._row_of = None
        self.batch_size = batch_size
        self.base_batch_size = base_batch_size
        self.backend = backend
        self.faiss_index = faiss_index
        self.nlist = nlist
        self.nprobe = nprobe
        self.hnsw_m = hnsw_m
        self.ef_search = ef_search
        if backend == "exact":
            self._stats = exact_lib.BaseStatistics(self.vectors, self.metric)
            self._index = None
        else:
            self._index = self._build_faiss()

    @property
    def dim(self):
        """Dimension of the indexed vectors."""
        return self.vectors.shape[1]

    def __len__(self):
        return self.vectors.shape[0]

    def _build_faiss(self):
        faiss = import_faiss()
        num, dim = self.vectors.shape
        metric = faiss.METRIC_L2 if self.metric == "euclidean" else faiss.METRIC_INNER_PRODUCT
        data = self._faiss_ready(self.vectors)
        if self.faiss_index == "flat":
            index = faiss.IndexFlat(dim, metric)
        elif self.faiss_index == "hnsw":
            index = faiss.IndexHNSWFlat(dim, self.hnsw_m, metric)
            index.hnsw.efSearch = self.ef_search
        else:
            nlist = self.nlist or max(1, min(num // 39, int(np.sqrt(num))))
            quantizer = faiss.IndexFlat(dim, metric)
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, metric)
            # k-means on a sample of 64 vectors per cell keeps training fast.
            sample = np.random.default_rng(0).permutation(num)[:64 * nlist]
            index.train(data[np.sort(sample)])
            index.nprobe = min(self.nprobe, nlist)
        index.add(data)
        return index

    def _faiss_ready(self, vectors):
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.metric == "cosine":
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
        return vectors

    def search_rows(self, queries, k, exclude_rows=None):
        """Like `search`, but returns base row numbers instead of ids.

        Args:
            queries: float array-like `[num_queries, dim]` (or one `[dim]` vector).
            k: neighbours per query; clipped to the number of base vectors.
            exclude_rows: optional int `[num_queries]`: a base row left out of each
                query's neighbours (its own row, usually), -1 for none.

        Rows are -1 (with score NaN) where fewer than `k` neighbours are left: an
        approximate index found fewer, or `k` reaches the whole base and a row was left
        out.
        """
        queries = exact_lib.as_matrix(queries, "queries")
        if queries.shape[1] != self.dim:
            raise ValueError(
                f"queries have dimension {queries.shape[1]} but the index holds {self.dim}.")
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}.")
        k = min(int(k), len(self))
        if exclude_rows is None:
            return self._search_rows(queries, k)
        exclude_rows = np.asarray(exclude_rows, np.int64).reshape(-1)
        if exclude_rows.shape != (queries.shape[0],):
            raise ValueError(f"Got {len(exclude_rows)} excluded rows for {queries.shape[0]} queries.")
        rows, scores = self._search_rows(queries, min(k + 1, len(self)))
        return leave_out(rows, scores, exclude_rows, k)

    def _search_rows(self, queries, k):
        if self._index is None:
            return exact_lib.exact_search(
                self.vectors, queries, k, self.metric, self.batch_size,
                self.base_batch_size, stats=self._stats)
        scores, rows = self._index.search(self._faiss_ready(queries), k)
        rows = rows.astype(np.int64)
        scores = scores.astype(np.float32)
        if self.metric == "euclidean":
            scores = np.sqrt(np.maximum(scores, 0.0))
        scores[rows < 0] = np.nan
        return rows, scores

    def rows_of(self, ids):
        """The base row of each id (the first one with that id), -1 for an id not indexed.

        Without ids, the ids are the row numbers.
        """
        if self.ids is None:
            rows = np.asarray(ids, np.int64).reshape(-1)
            return np.where((rows >= 0) & (rows < len(self)), rows, -1)
        if self._row_of is None:
            self._row_of = {}
            for row, item_id in enumerate(self.ids.tolist()):
                self._row_of.setdefault(item_id, row)
        ids = ids.tolist() if isinstance(ids, np.ndarray) else list(ids)
        return np.array([self._row_of.get(i, -1) for i in ids], np.int64)

    def search(self, queries, k, exclude=None):
        """Finds the `k` nearest base vectors of each query.

        Args:
            queries: float array-like `[num_queries, dim]` (or one `[dim]` vector).
            k: neighbours per query; clipped to the number of base vectors.
            exclude: optional ids (row numbers for an index without ids), one per
                query, of a base item left out of that query's neighbours: its own
                object, when queries and base share ids. An id the index does not hold
                leaves nothing out.

        Returns:
            `(ids, scores)`, both `[num_queries, k]`, nearest first. `ids` are
            the index's ids (row numbers when none were given); see the class
            docstring for the score convention of each metric.
        """
        exclude_rows = None if exclude is None else self.rows_of(exclude)
        rows, scores = self.search_rows(queries, k, exclude_rows)
        if self.ids is None:
            return rows, scores
        ids = self.ids[np.maximum(rows, 0)]
        if (rows < 0).any():
            ids = ids.astype(object)
            ids[rows < 0] = None
        return ids, scores


def leave_out(rows, scores, exclude_rows, k):
    """The first `k` neighbours of each query once its `exclude_rows` entry is taken out.

    Args:
        rows, scores: `[num_queries, width]` neighbours, nearest first.
        exclude_rows: int `[num_queries]`, a row to take out per query (-1: none).
        k: columns to keep (`<= width`); a query left with fewer gets -1 / NaN.
    """
    dropped = (rows == exclude_rows[:, None]) & (exclude_rows[:, None] >= 0)
    order = np.argsort(dropped, axis=1, kind="stable")[:, :k]  # kept ones first, in order
    rows = np.take_along_axis(rows, order, axis=1)
    scores = np.take_along_axis(scores, order, axis=1)
    missing = np.take_along_axis(dropped, order, axis=1)
    rows[missing] = -1
    scores[missing] = np.nan
    return rows, scores

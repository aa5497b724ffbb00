"""k-nearest-neighbour search over embeddings, and vector files.

Ranking metrics of vectors are in `keras_o2v.evaluation` (`vector_ranking_metrics`);
`retrieval_metrics`, `retrieval_ranks` and `metrics_from_ranks` here are deprecated
(`keras_o2v.neighbors.retrieval`).
"""

from keras_o2v.neighbors.blocked_search import METRICS, exact_search
from keras_o2v.neighbors.nearest_neighbors import NearestNeighbors
from keras_o2v.neighbors.retrieval import (
    metrics_from_ranks,
    retrieval_metrics,
    retrieval_ranks,
)
from keras_o2v.neighbors.vector_files import VectorFile, read_vectors, write_neighbors

__all__ = [
    "METRICS",
    "NearestNeighbors",
    "VectorFile",
    "exact_search",
    "metrics_from_ranks",
    "retrieval_metrics",
    "read_vectors",
    "retrieval_ranks",
    "write_neighbors",
]

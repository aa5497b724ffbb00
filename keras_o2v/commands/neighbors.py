"""`o2v neighbors`: k nearest base vectors of each query vector.

Vectors files are JSON Lines `{"id": ..., "embeddings": [...]}` or `.npy`
arrays (with optional `<name>.ids.txt` ids); see
`keras_o2v.neighbors.vector_files`. Output is JSON Lines, one line per query:
`{"id": qid, "neighbors": [{"id": bid, "score": s}, ...]}`, nearest first.
Scores are cosine similarity or dot product (higher is nearer) or Euclidean
distance (lower is nearer).

Example:
    $ o2v neighbors --vectors docs.jsonl --queries queries.jsonl --k 10 \\
        --metric cosine --output neighbors.jsonl
"""

import sys

from keras_o2v.neighbors import METRICS, NearestNeighbors
from keras_o2v.neighbors.nearest_neighbors import BACKENDS, FAISS_INDEXES
from keras_o2v.neighbors.vector_files import read_vectors, write_neighbors

COMMAND = "neighbors"
HELP = "Find the k nearest base vectors of each query vector (exact, or approximate with faiss)."


def add_arguments(parser):
    parser.add_argument("--vectors", required=True,
                        help="base vectors: JSON Lines {id, embeddings} or .npy")
    parser.add_argument("--queries",
                        help="query vectors in the same formats (default: the base vectors)")
    parser.add_argument("--k", type=int, default=10, help="neighbours per query (default 10)")
    parser.add_argument("--metric", choices=METRICS, default="cosine",
                        help="cosine / dot (higher is nearer) or euclidean (lower is nearer)")
    parser.add_argument("--exclude-self", action="store_true",
                        help="drop a neighbour whose id equals the query id")
    parser.add_argument("--output", required=True,
                        help="output JSON Lines file ('-' for standard output)")
    parser.add_argument("--backend", choices=BACKENDS, default="exact",
                        help="exact search (default) or approximate faiss (needs faiss)")
    parser.add_argument("--faiss-index", choices=FAISS_INDEXES, default="ivf",
                        help="faiss index type (default ivf)")
    parser.add_argument("--batch-size", type=int, default=1024, help="queries per block")


def run(args):
    if args.k < 1:
        raise SystemExit("o2v neighbors: --k must be >= 1")
    base = read_vectors(args.vectors)
    if args.queries:
        queries = read_vectors(args.queries, dim=base.vectors.shape[1])
    else:
        queries = base
    index = NearestNeighbors(base.vectors, ids=base.ids, metric=args.metric,
                             batch_size=args.batch_size, backend=args.backend,
                             faiss_index=args.faiss_index)
    extra = 1 if args.exclude_self else 0
    ids, scores = index.search(queries.vectors, args.k + extra)
    if args.exclude_self:
        ids, scores = _drop_self(queries.ids, ids, scores, args.k)
    if args.output == "-":
        write_neighbors(sys.stdout, queries.ids, ids, scores)
    else:
        write_neighbors(args.output, queries.ids, ids, scores)
        print(f"wrote neighbours of {len(queries.ids)} queries to {args.output}",
              file=sys.stderr)
    return 0


def _drop_self(query_ids, ids, scores, k):
    kept_ids, kept_scores = [], []
    for qid, row_ids, row_scores in zip(query_ids, ids, scores):
        pairs = [(i, s) for i, s in zip(row_ids, row_scores) if i != qid][:k]
        kept_ids.append([i for i, _ in pairs])
        kept_scores.append([s for _, s in pairs])
    return kept_ids, kept_scores

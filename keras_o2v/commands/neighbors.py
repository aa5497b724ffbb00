"""`o2v neighbors`: k nearest base vectors of each query vector.

Vectors files are JSON Lines `{"id": ..., "embeddings": [...]}` or `.npy`
arrays (with optional `<name>.ids.txt` ids); see
`keras_o2v.neighbors.vector_files`. Output is JSON Lines, one line per query:
`{"id": qid, "neighbors": [{"id": bid, "score": s}, ...]}`, nearest first.
Scores are cosine similarity or dot product (higher is nearer) or Euclidean
distance (lower is nearer).

A query's own vector is left out of its neighbours when the queries are the base
vectors (no `--queries`, or the same file): each base vector's own row is skipped,
so `--k 10` gives ten other items. `--exclude-self` also leaves out, for queries
from another file, the base item whose id equals the query's id (ids shared by
both files); `--include-self` keeps every base item.

Example:
    $ o2v neighbors --vectors docs.jsonl --queries queries.jsonl --k 10 \\
        --metric cosine --output neighbors.jsonl
"""

import os
import sys

import numpy as np

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
    own = parser.add_mutually_exclusive_group()
    own.add_argument("--exclude-self", dest="exclude_self", action="store_const", const=True,
                     help="leave out the base item whose id equals the query's id (default: "
                          "only when the queries are the base vectors, each one's own row)")
    own.add_argument("--include-self", dest="exclude_self", action="store_const", const=False,
                     help="keep a query's own vector among its neighbours")
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
    same = not args.queries or os.path.abspath(args.queries) == os.path.abspath(args.vectors)
    queries = base if same else read_vectors(args.queries, dim=base.vectors.shape[1])
    index = NearestNeighbors(base.vectors, ids=base.ids, metric=args.metric,
                             batch_size=args.batch_size, backend=args.backend,
                             faiss_index=args.faiss_index)
    exclude_self = same if args.exclude_self is None else args.exclude_self
    if not exclude_self:
        ids, scores = index.search(queries.vectors, args.k)
    elif len(index) == 1:
        ids, scores = [[]] * len(queries.ids), [[]] * len(queries.ids)
    else:
        own = np.arange(len(index)) if same else index.rows_of(queries.ids)
        rows, scores = index.search_rows(queries.vectors, min(args.k, len(index) - 1), own)
        ids = np.asarray(base.ids, dtype=object)[np.maximum(rows, 0)]
        ids[rows < 0] = None
    if args.output == "-":
        write_neighbors(sys.stdout, queries.ids, ids, scores)
    else:
        write_neighbors(args.output, queries.ids, ids, scores)
        print(f"wrote neighbours of {len(queries.ids)} queries to {args.output}",
              file=sys.stderr)
    return 0


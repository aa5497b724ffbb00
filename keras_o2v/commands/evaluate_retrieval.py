"""`o2v evaluate-retrieval`: hits@k, mean/median rank and MRR of query embeddings.

Each query has one true item in the base set. Say which, either
  - with a field in each query record (default `"truth"`) holding the base
    item's id: `{"id": "q1", "embedding": [...], "truth": "doc7"}`, or
  - with `--paired`: query i's true item is base item i (both files hold the
    same number of vectors, e.g. the two halves of each document).
The rank of the true item among all base items is computed by the chosen
metric (cosine similarity of L2-normalised embeddings by default, as in
SageMaker's document-embedding example). Metrics are printed as `name=value`
lines and optionally written as JSON.

Example:
    $ o2v evaluate-retrieval --queries left.jsonl --base right.jsonl --paired
    hits@1=0.41
    ...
"""

import json

import numpy as np

from keras_o2v.errors import DataError
from keras_o2v.neighbors import METRICS, retrieval_ranks
from keras_o2v.neighbors.retrieval import metrics_from_ranks
from keras_o2v.neighbors.vector_files import read_vectors

COMMAND = "evaluate-retrieval"
HELP = "Retrieval metrics (hits@k, mean/median rank, MRR) of query vectors against a base set."


def add_arguments(parser):
    parser.add_argument("--queries", required=True, help="query vectors (JSON Lines or .npy)")
    parser.add_argument("--base", required=True, help="base vectors (JSON Lines or .npy)")
    truth = parser.add_mutually_exclusive_group()
    truth.add_argument("--truth-field", default="truth",
                       help="query-record key holding the true base id (default 'truth')")
    truth.add_argument("--paired", action="store_true",
                       help="query i's true item is base item i")
    parser.add_argument("--metric", choices=METRICS, default="cosine",
                        help="ranking metric (default cosine)")
    parser.add_argument("--ks", default="1,5,10", help="comma-separated k for hits@k")
    parser.add_argument("--batch-size", type=int, default=1024, help="queries per block")
    parser.add_argument("--output", help="also write the metrics to this JSON file")


def run(args):
    try:
        ks = [int(k) for k in args.ks.split(",") if k.strip()]
    except ValueError:
        raise SystemExit(f"o2v evaluate-retrieval: bad --ks {args.ks!r}") from None
    base = read_vectors(args.base)
    fields = () if args.paired else (args.truth_field,)
    queries = read_vectors(args.queries, dim=base.vectors.shape[1], fields=fields)
    if args.paired:
        truth = _paired_truth(args, queries, base)
    else:
        truth = _field_truth(args, queries, base)
    ranks = retrieval_ranks(queries.vectors, base.vectors, truth, args.metric, args.batch_size)
    metrics = metrics_from_ranks(ranks, ks)
    for name, value in metrics.items():
        print(f"{name}={value:.6g}" if isinstance(value, float) else f"{name}={value}")
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            json.dump(metrics, handle, indent=2)
            handle.write("\n")
    return 0


def _paired_truth(args, queries, base):
    if len(queries.ids) != len(base.ids):
        raise DataError([(args.queries, 0, f"--paired needs as many queries as base vectors "
                                           f"({len(queries.ids)} vs {len(base.ids)} in "
                                           f"{args.base})")])
    return np.arange(len(queries.ids))


def _field_truth(args, queries, base):
    rows, problems = {}, []
    for row, item_id in enumerate(base.ids):
        if item_id in rows:
            line = base.lines[row] if base.lines else f"row {row}"
            problems.append((args.base, line, f"duplicate id {item_id!r}"))
        rows[item_id] = row
    if problems:
        raise DataError(problems)
    truth = np.empty(len(queries.ids), dtype=np.int64)
    for i, value in enumerate(queries.fields[args.truth_field]):
        valid = isinstance(value, (str, int)) and not isinstance(value, bool)
        row = rows.get(value) if valid else None
        if row is None:
            problems.append((args.queries, queries.lines[i],
                             f"{args.truth_field} {json.dumps(value)} is not an id in "
                             f"{args.base}"))
        else:
            truth[i] = row
    if problems:
        raise DataError(problems)
    return truth

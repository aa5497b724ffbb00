"""`o2v evaluate-retrieval`: retrieval metrics of a model on a pairs channel, or of vectors.

Every path reports the metrics of `keras_o2v.evaluation`: realistic ranks for ties (the
expected rank under random tie-breaking), `hits_at_k` (default k 1, 10, 100), `mrr`,
`mean_rank`.

With `--model` and `--pairs`: each positive pair's in1 is ranked among the candidate
in1 objects for its in0 query, by the model (a training `model_dir`, a `.keras` file,
or a SavedModel export): filtered ranking over `--known` channels, a query's own object
left out of its candidates as the model's `ranking_exclude_self` says (`auto`: when in0
and in1 share one id space; `--exclude-self` / `--include-self` choose), and `auc` on a
channel labelled 0/1 (see `keras_o2v.evaluate_retrieval`).

With `--queries` and `--base` (vectors files): each query has one true item in the
base set. Say which, either
  - with a field in each query record (default `"truth"`) holding the base
    item's id: `{"id": "q1", "embeddings": [...], "truth": "doc7"}`, or
  - with `--paired`: query i's true item is base item i (both files hold the
    same number of vectors, e.g. the two halves of each document).
The rank of the true item among all base items is computed by the chosen
metric (cosine similarity of L2-normalised embeddings by default, as in
SageMaker's document-embedding example). When the queries file is the base file,
each query's own row is left out of its candidates; `--exclude-self` leaves out, for
other query files, the base item whose id equals the query's id, and `--include-self`
keeps every base item. Metrics are printed as `name=value` lines and optionally
written as JSON.

Example:
    $ o2v evaluate-retrieval --model out/ --pairs test.jsonl --known train.jsonl val.jsonl
    hits_at_1=0.21
    ...
    $ o2v evaluate-retrieval --queries left.jsonl --base right.jsonl --paired
    hits_at_1=0.41
    ...
"""

import json
import os

import numpy as np

from keras_o2v.errors import DataError
from keras_o2v.evaluation.vector_ranking import vector_ranking_metrics
from keras_o2v.metric_names import RANKING_KS
from keras_o2v.neighbors import METRICS
from keras_o2v.neighbors.vector_files import read_vectors

COMMAND = "evaluate-retrieval"
HELP = ("Ranking metrics (hits_at_k, MRR, mean rank) of a model on a pairs channel, or of "
        "query vectors against a base set.")


def add_arguments(parser):
    model = parser.add_argument_group("a model on a pairs channel")
    model.add_argument("--model", help="model_dir, .keras file, SavedModel version or base path")
    model.add_argument("--pairs", nargs="+", help="pairs channel to rank (files or folders)")
    model.add_argument("--known", nargs="*", default=[],
                       help="channels whose positives are filtered out and whose in1 objects "
                            "are candidates (e.g. train and validation)")
    model.add_argument("--candidates",
                       help="JSON Lines whose lines' in1 lists are the candidates (instead of "
                            "the known channels' in1 objects)")
    model.add_argument("--max-candidates", type=int,
                       help="candidates at most (default: the model's ranking_max_candidates)")
    model.add_argument("--no-filter", action="store_true",
                       help="keep other known positives of a query among its candidates")
    parser.add_argument("--queries", help="query vectors (JSON Lines or .npy)")
    parser.add_argument("--base", help="base vectors (JSON Lines or .npy)")
    truth = parser.add_mutually_exclusive_group()
    truth.add_argument("--truth-field", default="truth",
                       help="query-record key holding the true base id (default 'truth')")
    truth.add_argument("--paired", action="store_true",
                       help="query i's true item is base item i")
    parser.add_argument("--metric", choices=METRICS, default="cosine",
                        help="ranking metric (default cosine)")
    own = parser.add_mutually_exclusive_group()
    own.add_argument("--exclude-self", dest="exclude_self", action="store_const", const=True,
                     help="leave a query's own object out of its candidates (with --model: "
                          "the in1 object with the query's in0 ids; with vectors: the base "
                          "item with the query's id)")
    own.add_argument("--include-self", dest="exclude_self", action="store_const", const=False,
                     help="keep a query's own object among its candidates")
    parser.add_argument("--ks", help="comma-separated k for hits_at_k (default "
                                     + ",".join(map(str, RANKING_KS)) + ")")
    parser.add_argument("--batch-size", type=int, default=1024, help="queries per block")
    parser.add_argument("--output", help="also write the metrics to this JSON file")


def run(args):
    by_model = args.model is not None or args.pairs is not None
    if by_model and (args.model is None or args.pairs is None):
        raise SystemExit("o2v evaluate-retrieval: --model and --pairs go together")
    if not by_model and (args.queries is None or args.base is None):
        raise SystemExit("o2v evaluate-retrieval: give --model and --pairs, or --queries and --base")
    try:
        ks = [int(k) for k in args.ks.split(",") if k.strip()] if args.ks else list(RANKING_KS)
    except ValueError:
        raise SystemExit(f"o2v evaluate-retrieval: bad --ks {args.ks!r}") from None
    if by_model:
        return _write(args, _evaluate_model(args, ks))
    base = read_vectors(args.base)
    fields = () if args.paired else (args.truth_field,)
    queries = read_vectors(args.queries, dim=base.vectors.shape[1], fields=fields)
    if args.paired:
        truth = _paired_truth(args, queries, base)
    else:
        truth = _field_truth(args, queries, base)
    return _write(args, vector_ranking_metrics(
        queries.vectors, base.vectors, truth, args.metric, ks,
        exclude=_own_rows(args, queries, base), batch_size=args.batch_size))


def _evaluate_model(args, ks):
    from keras_o2v.inference.runtime.retrieval_evaluation import evaluate_retrieval

    candidates = _read_candidates(args.candidates) if args.candidates else None
    return evaluate_retrieval(args.model, args.pairs, known=args.known, candidates=candidates,
                              max_candidates=args.max_candidates, filtered=not args.no_filter,
                              ks=ks, batch_size=args.batch_size, exclude_self=args.exclude_self)


def _own_rows(args, queries, base):
    """The base row of each query's own item, or None (see the module docstring)."""
    same = os.path.abspath(args.queries) == os.path.abspath(args.base)
    exclude_self = same if args.exclude_self is None else args.exclude_self
    if not exclude_self:
        return None
    if same:
        return np.arange(len(base.ids))
    rows = {}
    for row, item_id in enumerate(base.ids):
        rows.setdefault(item_id, row)
    return np.array([rows.get(item_id, -1) for item_id in queries.ids], np.int64)


def _read_candidates(path):
    from keras_o2v.data.json_lines import read_json_lines
    from keras_o2v.data.ragged_rows import pad_sequences
    from keras_o2v.data.token_ids import sequence_problem

    objects, problems = [], []
    for number, record, problem in read_json_lines(path):
        if problem is None and (not isinstance(record, dict) or "in1" not in record):
            problem = "expected {\"in1\": [token ids]}"
        problem = problem or sequence_problem(record["in1"], 1)
        if problem:
            problems.append((path, number, problem))
            continue
        objects.append(record["in1"])
    if problems or not objects:
        raise DataError(problems or [(path, 0, "no candidates")])
    return pad_sequences(objects)


def _write(args, metrics):
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

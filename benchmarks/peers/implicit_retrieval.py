"""implicit's ALS or BPR on a MovieLens split; runs in the `implicit` env.

Fits `implicit.als.AlternatingLeastSquares` or `implicit.bpr.BayesianPersonalizedRanking`
on the train pairs (a user x movie matrix of ones). With `--tune` it first fits every
point of a small grid (`GRIDS`) on train and keeps the one with the best validation
top-10 accuracy (unfiltered, TFRS's `FactorizedTopK` definition: the benchmark's
headline metric); test is not read. The kept model's user x movie score matrix (the dot
product of its factors, BPR's item bias column included) is written to `.npy`; one
JSON line is printed. Single-threaded BLAS (`OPENBLAS_NUM_THREADS=1`, as implicit
asks); implicit's own loops use both cores.

Usage: python implicit_retrieval.py SPLIT.npz SCORES.npy als|bpr [--tune] [--params JSON]
"""

import argparse
import itertools
import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import scipy.sparse as sparse  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from topk_metrics import known_matrix, ranking_metrics  # noqa: E402

# implicit's defaults, and the grids searched with --tune.
DEFAULTS = {
    "als": {"factors": 100, "regularization": 0.01, "alpha": 1.0, "iterations": 15},
    "bpr": {"factors": 100, "learning_rate": 0.01, "regularization": 0.01, "iterations": 100},
}
GRIDS = {
    "als": {"factors": [16, 32, 64, 128], "regularization": [1.0, 10.0, 100.0],
            "alpha": [0.5, 1.0, 5.0], "iterations": [15]},
    "bpr": {"factors": [32, 64, 128], "learning_rate": [0.001, 0.003, 0.01],
            "regularization": [0.01], "iterations": [100, 300]},
}


def fit(name, params, user_items, seed):
    from implicit.als import AlternatingLeastSquares
    from implicit.bpr import BayesianPersonalizedRanking

    model_class = {"als": AlternatingLeastSquares, "bpr": BayesianPersonalizedRanking}[name]
    model = model_class(**params, random_state=seed)
    model.fit(user_items, show_progress=False)
    return model


def score_matrix(model, num_users, num_items):
    """Scores indexed by id: row/column 0 (padding) stay 0."""
    users, items = np.asarray(model.user_factors), np.asarray(model.item_factors)
    scores = np.zeros((num_users + 1, num_items + 1), np.float32)
    scores[1:, 1:] = users @ items.T
    return scores


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("split")
    parser.add_argument("scores")
    parser.add_argument("model", choices=sorted(DEFAULTS))
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--params", default="{}", help="JSON overrides of implicit's defaults")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import implicit

    split = np.load(args.split)
    num_users, num_items = int(split["num_users"]), int(split["num_items"])
    user_items = sparse.csr_matrix(
        (np.ones(len(split["train_user"]), np.float32),
         (split["train_user"] - 1, split["train_item"] - 1)), shape=(num_users, num_items))
    known = known_matrix(num_users, num_items, (split["train_user"], split["train_item"]),
                         (split["validation_user"], split["validation_item"]))

    def validation_top10(model):
        return ranking_metrics(score_matrix(model, num_users, num_items), split["validation_user"],
                               split["validation_item"], known, ks=(10,))["top_10"]

    params = {**DEFAULTS[args.model], **json.loads(args.params)}
    searched = []
    if args.tune:
        grid = GRIDS[args.model]
        for values in itertools.product(*grid.values()):
            candidate = dict(zip(grid, values))
            top10 = validation_top10(fit(args.model, candidate, user_items, args.seed))
            searched.append((top10, candidate))
            print(f"validation top-10 {top10:.4f} {json.dumps(candidate)}", file=sys.stderr,
                  flush=True)
        params = max(searched, key=lambda pair: pair[0])[1]
    start = time.perf_counter()
    model = fit(args.model, params, user_items, args.seed)
    fit_s = time.perf_counter() - start
    np.save(args.scores, score_matrix(model, num_users, num_items))
    print(json.dumps({"fit_s": fit_s, "params": params, "grid_points": len(searched),
                      "validation_top_10": validation_top10(model),
                      "settings": f"implicit {implicit.__version__} {args.model} "
                                  + ", ".join(f"{k} {v}" for k, v in params.items())}))


if __name__ == "__main__":
    main()

"""scikit-surprise SVD on a MovieLens split; runs in the `surprise` env (benchmarks/envs.py).

Reads the split from an .npz (`train_*`, `validation_*`, `test_*` arrays of user, item,
rating) and fits SVD on train only, then prints one JSON line: test and validation RMSE,
fit time and the settings used.

- default: SVD's documented defaults (100 factors, 20 epochs, lr 0.005, reg 0.02,
  biased).
- `--tune`: every point of `GRID` is fitted on train and scored on validation; the one
  with the lowest validation RMSE is the row, scored once on test (the same protocol as
  keras_o2v's tuned row). Fit time is the whole search.

Usage: python surprise_svd.py SPLIT.npz [--seed 0] [--tune]
"""

import argparse
import itertools
import json
import os
import tempfile
import time

import numpy as np
from surprise import SVD, Dataset, Reader

# Around the defaults. On the benchmark split the winner is n_factors=100, reg_all=0.1,
# lr_all=0.005, n_epochs=100 (validation RMSE 0.9047); lr_all=0.01 with 50 epochs, the
# same step budget, scores 0.9050, and reg_all 0.15 or 0.2 is worse, so the grid's
# edges are not what limits it.
GRID = {"n_factors": (50, 100, 200), "reg_all": (0.02, 0.05, 0.1, 0.15),
        "lr_all": (0.005, 0.01), "n_epochs": (20, 50, 100)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("split")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tune", action="store_true", help="grid search on validation")
    args = parser.parse_args()
    split = np.load(args.split)
    trainset = load_trainset(split)
    start = time.perf_counter()
    if args.tune:
        candidates = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    else:
        candidates = [{}]
    best = None
    for settings in candidates:
        algo = SVD(random_state=args.seed, **settings)
        algo.fit(trainset)
        validation = rmse(algo, split, "validation")
        if best is None or validation < best[0]:
            best = (validation, settings, algo)
    fit_s = time.perf_counter() - start
    validation, settings, algo = best
    if args.tune:
        described = (f"SVD({', '.join(f'{k}={v}' for k, v in settings.items())}), best of "
                     f"{len(candidates)} on validation")
    else:
        described = "SVD() defaults: n_factors=100, n_epochs=20, lr_all=0.005, reg_all=0.02, biased"
    print(json.dumps({"test_rmse": rmse(algo, split, "test"), "validation_rmse": validation,
                      "fit_s": fit_s, "settings": described}))


def load_trainset(split):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "train.tsv")
        np.savetxt(path, np.stack([split["train_user"], split["train_item"],
                                   split["train_rating"]], axis=1), fmt="%d\t%d\t%g")
        reader = Reader(line_format="user item rating", sep="\t", rating_scale=(1, 5))
        return Dataset.load_from_file(path, reader).build_full_trainset()


def rmse(algo, split, part):
    predictions = np.array([algo.predict(str(int(u)), str(int(i))).est for u, i in
                            zip(split[f"{part}_user"], split[f"{part}_item"])])
    return float(np.sqrt(np.mean((predictions - split[f"{part}_rating"]) ** 2)))


if __name__ == "__main__":
    main()

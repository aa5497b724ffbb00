"""scikit-surprise SVD on a MovieLens split; runs in the `surprise` env (benchmarks/envs.py).

Reads the split from an .npz (`train_*`, `validation_*`, `test_*` arrays of user, item,
rating), fits SVD with its documented defaults (100 factors, 20 epochs, lr 0.005,
reg 0.02, biased) on train only, and prints one JSON line: test and validation RMSE,
fit time.

Usage: python surprise_svd.py SPLIT.npz [--seed 0]
"""

import argparse
import json
import os
import tempfile
import time

import numpy as np
from surprise import SVD, Dataset, Reader


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("split")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    split = np.load(args.split)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "train.tsv")
        np.savetxt(path, np.stack([split["train_user"], split["train_item"],
                                   split["train_rating"]], axis=1), fmt="%d\t%d\t%g")
        reader = Reader(line_format="user item rating", sep="\t", rating_scale=(1, 5))
        trainset = Dataset.load_from_file(path, reader).build_full_trainset()
    algo = SVD(random_state=args.seed)
    start = time.perf_counter()
    algo.fit(trainset)
    fit_s = time.perf_counter() - start

    def rmse(part):
        predictions = np.array([algo.predict(str(int(u)), str(int(i))).est for u, i in
                                zip(split[f"{part}_user"], split[f"{part}_item"])])
        return float(np.sqrt(np.mean((predictions - split[f"{part}_rating"]) ** 2)))

    print(json.dumps({"test_rmse": rmse("test"), "validation_rmse": rmse("validation"),
                      "fit_s": fit_s, "settings": "SVD() defaults: n_factors=100, n_epochs=20, "
                      "lr_all=0.005, reg_all=0.02, biased"}))


if __name__ == "__main__":
    main()

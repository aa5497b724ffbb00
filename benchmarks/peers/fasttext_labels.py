"""fastText supervised text classification; runs in the `fasttext` env (fasttext-wheel).

Reads fastText-format files (`__label__<k> <text>` per line, the train file shuffled:
fastText reads its input in file order). With `--tune` it fits every point of `GRID` on
TRAIN, keeps the one with the best accuracy on VALIDATION, and then fits that setting
once more (timed) to score TEST; without it, `--params` (JSON) are used. Fixed:
`dim 100, minCount 1, loss softmax, thread 2` (fastText's defaults otherwise, e.g.
2,000,000 hash buckets for the word n-grams). Prints one JSON line.

Usage: python fasttext_labels.py TRAIN VALIDATION TEST [--tune] [--params JSON] [--seed 0]
       (TEST "-": validation only)
"""

import argparse
import itertools
import json
import sys
import time

import fasttext

FIXED = {"dim": 100, "minCount": 1, "loss": "softmax", "thread": 2, "verbose": 0}
GRID = {"lr": [0.5, 1.0], "epoch": [10, 25], "wordNgrams": [1, 2]}


def fit(path, params, seed):
    return fasttext.train_supervised(input=path, seed=seed, **FIXED, **params)


def accuracy(model, path):
    texts, labels = [], []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            label, _, text = line.rstrip("\n").partition(" ")
            labels.append(label)
            texts.append(text)
    predicted, _ = model.predict(texts, k=1)
    return sum(p[0] == label for p, label in zip(predicted, labels)) / len(labels)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("train")
    parser.add_argument("validation")
    parser.add_argument("test")
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--params", default='{"lr": 1.0, "epoch": 25, "wordNgrams": 2}')
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    params, searched = json.loads(args.params), []
    if args.tune:
        for values in itertools.product(*GRID.values()):
            candidate = dict(zip(GRID, values))
            score = accuracy(fit(args.train, candidate, args.seed), args.validation)
            searched.append((score, candidate))
            print(f"validation accuracy {score:.4f} {json.dumps(candidate)}", file=sys.stderr,
                  flush=True)
        params = max(searched, key=lambda pair: pair[0])[1]
    start = time.perf_counter()
    model = fit(args.train, params, args.seed)
    fit_s = time.perf_counter() - start
    print(json.dumps({
        "test_accuracy": None if args.test == "-" else accuracy(model, args.test),
        "validation_accuracy": accuracy(model, args.validation), "fit_s": fit_s,
        "params": {**FIXED, **params}, "grid": [[round(s, 4), c] for s, c in searched],
        "settings": "fastText supervised, " + ", ".join(
            f"{k} {v}" for k, v in {**params, "dim": FIXED["dim"]}.items())}))


if __name__ == "__main__":
    main()

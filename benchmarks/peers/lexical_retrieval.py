"""TF-IDF cosine (scikit-learn) and BM25 (rank-bm25) document retrieval; runs in the
`retrieval` env (benchmarks/envs.py).

Reads a JSON task file: `{"validation": {"queries": [[tokens]], "candidates": [[tokens]]},
"test": {...}}`, where query i's relevant document is candidate i. Each peer indexes the
candidates of a split (TF-IDF's document frequencies and BM25's statistics come from
the collection it searches, as a search engine's do), scores every (query, candidate)
pair, and picks its settings on validation (the highest hits@10, then the lowest mean
rank); the chosen setting scores test once. Writes `<out>/<peer>.npy` (the test score
matrix, queries x candidates; the caller ranks it with the same code as every other
row) and prints one JSON line per peer: settings, validation metrics, seconds.

Usage: python lexical_retrieval.py TASK.json OUT_DIR [--quick]
"""

import argparse
import itertools
import json
import os
import time

import numpy as np
from rank_bm25 import BM25Okapi
from sklearn.feature_extraction.text import TfidfVectorizer

# TF-IDF: scikit-learn's defaults (smooth idf, l2 norm), with and without sublinear tf.
TFIDF_GRID = {"sublinear_tf": (False, True)}
# BM25: around the usual k1 in [1.2, 2.0], b 0.75 (Robertson and Zaragoza 2009).
BM25_GRID = {"k1": (0.9, 1.2, 1.5, 2.0), "b": (0.5, 0.75, 0.9)}


def tfidf_scores(split, sublinear_tf):
    vectorizer = TfidfVectorizer(analyzer=lambda tokens: tokens, sublinear_tf=sublinear_tf)
    documents = vectorizer.fit_transform(split["candidates"])
    queries = vectorizer.transform(split["queries"])
    return (queries @ documents.T).toarray()


def bm25_scores(split, k1, b):
    index = BM25Okapi(split["candidates"], k1=k1, b=b)
    return np.stack([index.get_scores(query) for query in split["queries"]])


def metrics(scores):
    """hits@1, hits@10, MRR and mean rank of the diagonal (realistic ranks for ties)."""
    true = np.diag(scores)[:, None]
    ranks = 1 + (scores > true).sum(axis=1) + ((scores == true).sum(axis=1) - 1) / 2
    return {"hits_at_1": float(np.mean(ranks <= 1)), "hits_at_10": float(np.mean(ranks <= 10)),
            "mrr": float(np.mean(1 / ranks)), "mean_rank": float(np.mean(ranks))}


def run_peer(name, score, grid, task, out_dir):
    settings = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    start = time.perf_counter()
    tried = []
    for setting in settings:
        tried.append((metrics(score(task["validation"], **setting)), setting))
    validation, best = max(tried, key=lambda t: (t[0]["hits_at_10"], -t[0]["mean_rank"]))
    search_s = time.perf_counter() - start
    start = time.perf_counter()
    test_scores = score(task["test"], **best)
    test_s = time.perf_counter() - start
    np.save(os.path.join(out_dir, f"{name}.npy"), test_scores.astype(np.float32))
    print(json.dumps({"peer": name, "settings": best, "validation": validation,
                      "tried": [{"settings": s, "validation": m} for m, s in tried],
                      "search_s": round(search_s, 2), "test_s": round(test_s, 2)}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("task")
    parser.add_argument("out_dir")
    args = parser.parse_args()
    with open(args.task, encoding="utf-8") as f:
        task = json.load(f)
    run_peer("tfidf", tfidf_scores, TFIDF_GRID, task, args.out_dir)
    run_peer("bm25", bm25_scores, BM25_GRID, task, args.out_dir)


if __name__ == "__main__":
    main()

"""Validation-only check: MovieLens 100k implicit retrieval, retrieval mode against the binary recipe.

Not the benchmark (that one scores test once, beside TFRS, implicit and most-popular);
this script only looks at a validation split, to check that `training_objective=retrieval`
learns a ranking and to give the benchmark a working recipe.

Data: every rating of MovieLens 100k is an implicit positive (user -> movie, label 1).
Split: TensorFlow Recommenders' retrieval-tutorial proportions: the 100,000 ratings
shuffled with seed 42 (NumPy's `default_rng(42)`, not TF's shuffle order), the first
80,000 are TFRS's train part, of which the first 72,000 train here and the last 8,000
are the validation split; TFRS's 20,000 test ratings are not read.
Metric: TFRS's `FactorizedTopK` top-k accuracy on validation: the share of validation
ratings whose movie is among the k highest-scored of all 1,682 movies for that user,
unfiltered (`keras_o2v.evaluate_retrieval(..., candidates=all movies, filtered=False)`);
the filtered MRR (train positives left out) is printed beside it.

Rows (each a `keras_o2v.train` job; the kept epoch is chosen on the same validation
split, by the unfiltered `validation:hits_at_10` (`ranking_filtered=False`, the metric
above) for retrieval and by SageMaker's rule on the validation loss for the binary
recipe):
- `retrieval full softmax`: 64-d pooled single-token encoders, full softmax over the
  1,682 movies, cosine similarity with the default temperature (0.3), Adam 0.01,
  batches of 1,024;
- `retrieval in-batch + logQ`: the same with in-batch negatives, accidental hits
  masked and the logQ correction;
- `binary (SageMaker recipe)`: the pair classifier on label-1 pairs with
  `negative_sampling_rate`, an MLP head, early stopping on validation cross-entropy.

Usage:
    python benchmarks/movielens_retrieval_check.py [--rows NAME ...] [--epochs N]
"""

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import keras_o2v  # noqa: E402
from keras_o2v import datasets  # noqa: E402

COMMON = {"enc0_network": "pooled_embedding", "enc0_max_seq_len": "1", "enc0_vocab_size": "944",
          "enc1_network": "pooled_embedding", "enc1_max_seq_len": "1", "enc1_vocab_size": "1683",
          "enc0_token_embedding_dim": "64", "enc1_token_embedding_dim": "64"}
RETRIEVAL = {**COMMON, "training_objective": "retrieval", "mini_batch_size": "1024",
             "optimizer": "adam", "learning_rate": "0.01", "epochs": "10",
             "ranking_filtered": "False", "early_stopping_metric": "validation:hits_at_10",
             "early_stopping_patience": "2", "early_stopping_tolerance": "0.0005"}
ROWS = {
    "retrieval full softmax": RETRIEVAL,
    "retrieval in-batch + logQ": {**RETRIEVAL, "retrieval_negatives": "in_batch"},
    "binary (SageMaker recipe)": {
        **COMMON, "negative_sampling_rate": "5", "mlp_layers": "1", "mlp_dim": "256",
        "mlp_activation": "relu", "mini_batch_size": "1024", "optimizer": "adam",
        "learning_rate": "0.001", "epochs": "10", "early_stopping_patience": "2",
        "ranking_metrics": "True", "ranking_filtered": "False"},
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", nargs="*", default=list(ROWS), help="rows to run")
    parser.add_argument("--epochs", help="override every row's epochs")
    parser.add_argument("--work-dir", help="where the channels and jobs go (default: temporary)")
    args = parser.parse_args(argv)
    work = args.work_dir or tempfile.mkdtemp(prefix="o2v-ml-retrieval-")
    ratings = datasets.movielens_100k().ratings
    order = np.random.default_rng(42).permutation(len(ratings))
    records = [{"label": 1, "in0": [int(u)], "in1": [int(i)]}
               for u, i in zip(ratings.user_id[order[:80_000]], ratings.item_id[order[:80_000]])]
    train = os.path.join(work, "train.jsonl")
    validation = os.path.join(work, "validation.jsonl")
    datasets.write_jsonl(records[:72_000], train)
    datasets.write_jsonl(records[72_000:], validation)
    movies = np.arange(1, 1683)
    print(f"{'row':28s} {'top-10':>7s} {'top-100':>7s} {'MRR(f)':>7s} {'epoch':>5s} {'fit s':>6s}")
    for name in args.rows:
        values = dict(ROWS[name], **({"epochs": args.epochs} if args.epochs else {}))
        started = time.perf_counter()
        result = keras_o2v.train(values, train=train, validation=validation, seed=0, verbose=0,
                                 model_dir=os.path.join(work, name.split()[0] + str(len(name))))
        seconds = time.perf_counter() - started
        topk = keras_o2v.evaluate_retrieval(result.model, validation, candidates=movies,
                                            filtered=False)
        filtered = keras_o2v.evaluate_retrieval(result.model, validation, known=[train])
        print(f"{name:28s} {topk['hits_at_10']:7.4f} {topk['hits_at_100']:7.4f} "
              f"{filtered['mrr']:7.4f} {result.best_epoch:5d} {seconds:6.0f}", flush=True)


if __name__ == "__main__":
    main()

"""Benchmark: dense vs row_sparse token-table updates, against plain TensorFlow.

Trains the Wikipedia document-embedding network of SageMaker's notebook
(pooled_embedding, one 300-d token table tied between the sides, hadamard
comparator, 2 x 512 relu MLP, dropout 0.4, Adam, batch 512, max_seq_len 50)
with a 300,000-token vocabulary, on the same synthetic pairs, as:

- plain TF, lazy Adam (the reference): the same network written in plain
  TensorFlow (`reference_models.PlainTFDocumentPairs`), the table updated
  lazily the standard way (unique ids, segment sum, scatter of the touched rows);
- plain TF, dense fused Adam: the same, every variable through TensorFlow's
  fused `ResourceApplyAdam` kernel on the densified table gradient;
- keras_o2v `row_sparse` and `dense`: `Object2Vec` with
  `token_embedding_storage_type=row_sparse` / `dense`, trained with `fit`.

All variants live in one process and are timed step by step in alternating
rounds after a warm-up round (`step_timing`); it prints the median pairs/s of each, the range of its
round medians, and ratios: every variant to the lazy reference, and keras_o2v
`dense` to the fused dense reference. SageMaker reports 5k (dense) and 14k
(row_sparse) pairs/s on one K80 GPU.

Data: pairs of id sequences with lengths uniform in [5, max_seq_len] and ids
drawn from a Zipf distribution (exponent 1.1, clipped to the vocabulary), as
word ids in text are; generated in memory, so input reading is not timed.
`--vocab 2700 --dim 128 --max-seq-len 65` is close to MovieLens with user
histories (benchmarks/movielens.py), where most ids repeat within a batch.

Usage:
    python benchmarks/sparse_embedding.py [--vocab 300000] [--dim 300] [--batch 512]
        [--steps 10] [--rounds 5] [--max-seq-len 50]
    python benchmarks/sparse_embedding.py --quick     # a few steps of a tiny table
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from reference_models import PlainTFDocumentPairs  # noqa: E402
from step_timing import alternate, report, time_fit_steps, time_function_steps  # noqa: E402

from keras_o2v import Hyperparameters, Object2Vec  # noqa: E402

LEARNING_RATE = 0.01
LAZY_REFERENCE = "plain TF, lazy Adam"
DENSE_REFERENCE = "plain TF, dense fused Adam"


def zipf_pairs(rng, count, vocab, max_len, exponent=1.1):
    """`count` pairs of right-padded id sequences with Zipf-distributed ids."""
    def side():
        ids = rng.zipf(exponent, size=(count, max_len))
        ids = np.where(ids >= vocab, rng.integers(1, vocab, size=ids.shape), ids)
        lengths = rng.integers(5, max_len + 1, size=count)
        ids[np.arange(max_len)[None, :] >= lengths[:, None]] = 0
        return ids.astype(np.int64)

    return {"in0": side(), "in1": side()}, rng.integers(0, 2, size=count)


def hyperparameters(args, storage):
    return Hyperparameters(
        enc0_max_seq_len=args.max_seq_len, enc0_vocab_size=args.vocab,
        enc0_network="pooled_embedding", enc0_token_embedding_dim=args.dim, enc_dim=args.dim,
        tied_token_embedding_weight=True, comparator_list="hadamard", mlp_layers=2,
        mlp_dim=512, mlp_activation="relu", dropout=0.4, optimizer="adam",
        learning_rate=LEARNING_RATE, mini_batch_size=args.batch,
        token_embedding_storage_type=storage)


def make_runs(args, data):
    inputs, labels = data
    dataset = tf.data.Dataset.from_tensor_slices((inputs, labels)).batch(
        args.batch, drop_remainder=True).repeat().prefetch(2)
    plain_batches = iter(dataset.map(lambda x, y: (x["in0"], x["in1"], y)))
    runs = {}
    for name, lazy in ((LAZY_REFERENCE, True), (DENSE_REFERENCE, False)):
        net = PlainTFDocumentPairs(args.vocab, args.dim, learning_rate=LEARNING_RATE, lazy=lazy)
        runs[name] = lambda net=net: time_function_steps(net.train_step, plain_batches,
                                                         args.steps)
    for storage in ("row_sparse", "dense"):
        keras.utils.set_random_seed(0)
        model = Object2Vec(hyperparameters(args, storage))
        model.compile()
        runs[f"keras_o2v {storage}"] = lambda model=model: time_fit_steps(model, dataset,
                                                                           args.steps)
    return runs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab", type=int, default=300_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-seq-len", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny table, 1 round")
    args = parser.parse_args(argv)
    if args.quick:
        args.vocab, args.dim, args.batch, args.steps, args.rounds = 3000, 16, 32, 3, 1
    data = zipf_pairs(np.random.default_rng(0), args.batch * 8, args.vocab, args.max_seq_len)
    print(f"vocab {args.vocab:,} x {args.dim}, batch {args.batch}, max_seq_len "
          f"{args.max_seq_len}, {args.rounds} rounds of {args.steps} timed steps; "
          f"{os.cpu_count()} CPU cores, TF {tf.__version__}, Keras {keras.__version__}",
          flush=True)
    runs = make_runs(args, data)
    if not args.quick:
        for run in runs.values():  # warm-up: tracing, first touch of the tables and moments
            run()
    results = alternate(runs, args.rounds)
    rows = {row["name"]: row for row in report(results, args.batch, LAZY_REFERENCE)}
    dense = report({k: results[k] for k in (DENSE_REFERENCE, "keras_o2v dense")},
                   args.batch, DENSE_REFERENCE)[1]
    sparse = rows["keras_o2v row_sparse"]
    print(f"\nkeras_o2v row_sparse ÷ {LAZY_REFERENCE}: {sparse['ratio']:.2f} "
          f"(rounds {sparse['ratio_low']:.2f}–{sparse['ratio_high']:.2f})")
    print(f"keras_o2v dense ÷ {DENSE_REFERENCE}: {dense['ratio']:.2f} "
          f"(rounds {dense['ratio_low']:.2f}–{dense['ratio_high']:.2f})")
    print(f"keras_o2v row_sparse ÷ keras_o2v dense: "
          f"{sparse['pairs_per_s'] / rows['keras_o2v dense']['pairs_per_s']:.1f}"
          " (SageMaker, 1 K80 GPU: 2.8)")
    return rows


if __name__ == "__main__":
    main()

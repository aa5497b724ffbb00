"""Benchmark: dense vs row_sparse token-table updates (SageMaker's document-embedding example).

Trains the Wikipedia document-embedding network of the SageMaker notebook
(pooled_embedding, tied 300-d token table, hadamard comparator, 2 x 512 relu
MLP, dropout 0.4, adam, batch 512, max_seq_len 50) with a 300,000-token
vocabulary twice on the same synthetic pairs: once with
`token_embedding_storage_type=dense` (Keras' Adam densifies the table gradient
and updates all 90 M table weights and their moments every step) and once
with `row_sparse` (lazy Adam: only the rows of the ids in the batch). It prints
pairs per second for each and the speed-up. SageMaker reports 5k -> 14k
samples/s (2.8x) on one K80 GPU.

A third run, "dense, stock Keras Adam", compiles the same model with
`keras.optimizers.Adam` instead of keras_o2v's `summed_row_optimizers.Adam`:
stock Keras squares every occurrence of a repeated id in the sparse gradient
(a wrong second moment) and works on one gradient row per occurrence; keras_o2v
sums the repeats first. The printed ratio is keras_o2v's dense step against the
stock one. `--vocab 2700 --dim 128 --max-seq-len 65` is MovieLens with user
histories (benchmarks/movielens.py), where most ids repeat within a batch.

Data: pairs of id sequences with lengths uniform in [5, max_seq_len] and ids
drawn from a Zipf distribution (exponent 1.1, clipped to the vocabulary), as
word ids in text are; generated in memory, so input reading is not timed.

Usage:
    python benchmarks/sparse_embedding.py [--vocab 300000] [--dim 300]
        [--batch 512] [--steps 20] [--warmup 3] [--max-seq-len 50]
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_o2v import Hyperparameters, Object2Vec  # noqa: E402


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
        learning_rate=0.01, mini_batch_size=args.batch, token_embedding_storage_type=storage)


def pairs_per_second(args, storage, data, stock_keras=False):
    keras.utils.set_random_seed(0)
    model = Object2Vec(hyperparameters(args, storage))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01) if stock_keras else "auto")
    inputs, labels = data
    dataset = tf.data.Dataset.from_tensor_slices((inputs, labels)).batch(
        args.batch, drop_remainder=True).repeat().prefetch(2)
    model.fit(dataset, steps_per_epoch=args.warmup, epochs=1, verbose=0, shuffle=False)
    start = time.perf_counter()
    model.fit(dataset, steps_per_epoch=args.steps, epochs=1, verbose=0, shuffle=False)
    seconds = time.perf_counter() - start
    return args.steps * args.batch / seconds, seconds / args.steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab", type=int, default=300_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--max-seq-len", type=int, default=50)
    args = parser.parse_args()
    data = zipf_pairs(np.random.default_rng(0), args.batch * 8, args.vocab, args.max_seq_len)
    devices = tf.config.list_logical_devices()
    print(f"vocab {args.vocab:,} x {args.dim}, batch {args.batch}, max_seq_len "
          f"{args.max_seq_len}, {args.steps} timed steps after {args.warmup} warm-up; "
          f"devices: {', '.join(d.name for d in devices)}; "
          f"CPU threads: {os.cpu_count()}", flush=True)
    results = {}
    for name, storage, stock in (("dense, stock Keras Adam", "dense", True),
                                 ("dense", "dense", False), ("row_sparse", "row_sparse", False)):
        results[name], step = pairs_per_second(args, storage, data, stock_keras=stock)
        print(f"{name:>23}: {results[name]:9,.0f} pairs/s ({step * 1000:.0f} ms/step)",
              flush=True)
    print(f"speed-up dense / dense with stock Keras Adam: "
          f"{results['dense'] / results['dense, stock Keras Adam']:.1f}x")
    print(f"speed-up row_sparse / dense: {results['row_sparse'] / results['dense']:.1f}x "
          "(SageMaker, 1 K80 GPU: 2.8x)")


if __name__ == "__main__":
    main()

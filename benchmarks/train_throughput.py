"""Training throughput of each encoder, and the cost of the input pipeline.

For each encoder (pooled_embedding, hcnn, bilstm) at mini_batch_size 512 this
prints pairs per second of:

- pipeline:   `model.fit` on `keras_o2v.make_dataset` reading a JSON Lines file
              (parse, validate, shuffle, pad, prefetch), as a training job does;
- model only: `model.fit` on the same batches already held in memory as
              tensors (`Dataset.from_tensor_slices(...).batch(...).cache()`);

and their ratio (1.00 = the input pipeline costs nothing). Both are measured
in the same process, after a warm-up epoch that traces the functions.

Usage:
    python benchmarks/train_throughput.py [--pairs 60000] [--epochs 2]
"""

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_o2v  # noqa: E402

ENCODERS = {
    "pooled_embedding": {"enc0_network": "pooled_embedding", "enc_dim": 300},
    "hcnn": {"enc0_network": "hcnn", "enc_dim": 256},
    "bilstm": {"enc0_network": "bilstm", "enc_dim": 256},
}


def write_pairs(path, count, vocab_size, max_len, seed=0):
    rng = np.random.default_rng(seed)
    with open(path, "w") as f:
        for _ in range(count):
            in0 = rng.integers(1, vocab_size, rng.integers(5, max_len + 1)).tolist()
            in1 = rng.integers(1, vocab_size, rng.integers(5, max_len + 1)).tolist()
            f.write(json.dumps({"label": int(rng.integers(2)), "in0": in0, "in1": in1}) + "\n")


def in_memory_batches(path, hp):
    features, labels = {"in0": [], "in1": []}, []
    for batch, label in keras_o2v.make_dataset(path, hp, training=False):
        for key in features:
            features[key].append(batch[key])
        labels.append(label)
    batches = [({k: features[k][i] for k in features}, labels[i]) for i in range(len(labels))]
    return tf.data.Dataset.from_generator(
        lambda: iter(batches),
        output_signature=({"in0": tf.TensorSpec([None, None], tf.int64),
                           "in1": tf.TensorSpec([None, None], tf.int64)},
                          tf.TensorSpec([None], tf.int64))).cache()


def pairs_per_second(model, dataset, pairs, epochs):
    model.fit(dataset, epochs=1, verbose=0)  # warm-up: tracing, cache filling
    start = time.perf_counter()
    model.fit(dataset, epochs=epochs, verbose=0)
    return pairs * epochs / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-len", type=int, default=20)
    parser.add_argument("--encoders", default=",".join(ENCODERS))
    args = parser.parse_args()
    vocab_size = 20000
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "pairs.jsonl")
        write_pairs(path, args.pairs, vocab_size, args.max_len)
        print(f"{args.pairs} pairs, sequences of 5-{args.max_len} tokens, vocab {vocab_size}, "
              f"batch 512, {os.cpu_count()} CPU cores, TF {tf.__version__}")
        print(f"{'encoder':<18}{'pipeline pairs/s':>18}{'model-only pairs/s':>20}{'ratio':>8}")
        for name in args.encoders.split(","):
            hp = keras_o2v.Hyperparameters(
                enc0_max_seq_len=args.max_len, enc0_vocab_size=vocab_size,
                enc0_token_embedding_dim=300, mini_batch_size=512, **ENCODERS[name])
            model = keras_o2v.Object2Vec(hp)
            model.compile()
            memory = pairs_per_second(model, in_memory_batches(path, hp), args.pairs, args.epochs)
            pipeline = pairs_per_second(
                model, keras_o2v.make_dataset(path, hp, seed=0), args.pairs, args.epochs)
            print(f"{name:<18}{pipeline:>18,.0f}{memory:>20,.0f}{pipeline / memory:>8.2f}",
                  flush=True)


if __name__ == "__main__":
    main()

"""Training throughput of each encoder and of the input pipeline, against plain TensorFlow.

The network is SageMaker's document-embedding one (one token table tied between the
sides, hadamard comparator, 2 x 512 relu MLP, dropout 0.4, Adam, `dense` storage),
at mini_batch_size 512, on pairs of 5 to `--max-len` random ids from a `--vocab`
vocabulary. Timed step by step in alternating rounds (`step_timing`), in one process:

- plain TF (the reference): `reference_models.PlainTFDocumentPairs` with the pooled
  (mean) encoder and TensorFlow's fused dense Adam, on batches held in memory;
- for each keras_o2v encoder (pooled_embedding, hcnn, bilstm; enc_dim 256 for the
  last two): `Object2Vec.fit` on the same batches held in memory ("model only"), and on
  `keras_o2v.make_dataset` reading the JSON Lines file (parse, validate, shuffle, pad,
  prefetch) as a training job does ("pipeline": a whole epoch per round, so its cache
  of parsed records is complete after the warm-up round).

It prints pairs/s (median, and the range of the round medians) and the ratio of each to
the plain-TF reference; the pooled_embedding model-only row is the like-for-like one
(hcnn and bilstm are heavier networks), and pipeline / model-only is what reading JSON
Lines costs.

Usage:
    python benchmarks/train_throughput.py [--pairs 30000] [--steps 40] [--rounds 3]
    python benchmarks/train_throughput.py --quick     # tiny sizes, one round
"""

import argparse
import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from reference_models import PlainTFDocumentPairs  # noqa: E402
from step_timing import alternate, report, time_fit_steps, time_function_steps  # noqa: E402

import keras_o2v  # noqa: E402

ENCODERS = {
    "pooled_embedding": {"enc0_network": "pooled_embedding"},
    "hcnn": {"enc0_network": "hcnn", "enc_dim": 256},
    "bilstm": {"enc0_network": "bilstm", "enc_dim": 256},
}
REFERENCE = "plain TF, pooled, fused dense Adam"
LEARNING_RATE = 0.01


def write_pairs(path, count, vocab_size, max_len, seed=0):
    rng = np.random.default_rng(seed)
    with open(path, "w") as f:
        for _ in range(count):
            in0 = rng.integers(1, vocab_size, rng.integers(5, max_len + 1)).tolist()
            in1 = rng.integers(1, vocab_size, rng.integers(5, max_len + 1)).tolist()
            f.write(json.dumps({"label": int(rng.integers(2)), "in0": in0, "in1": in1}) + "\n")


def in_memory_batches(path, hp):
    """The file's batches as `make_dataset(training=False)` pads them, held in memory."""
    cached = keras_o2v.make_dataset(path, hp, training=False).cache()
    for _ in cached:  # fills the cache
        pass
    return cached.repeat()


def hyperparameters(args, encoder):
    return keras_o2v.Hyperparameters(
        enc0_max_seq_len=args.max_len, enc0_vocab_size=args.vocab,
        enc0_token_embedding_dim=args.dim, tied_token_embedding_weight=True,
        comparator_list="hadamard", mlp_layers=2, mlp_dim=512, mlp_activation="relu",
        dropout=0.4, optimizer="adam", learning_rate=LEARNING_RATE,
        mini_batch_size=args.batch, **ENCODERS[encoder])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=30000)
    parser.add_argument("--vocab", type=int, default=20000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--max-len", type=int, default=20)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--steps", type=int, default=40,
                        help="timed steps per round (pipeline rows: one epoch)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--encoders", default=",".join(ENCODERS))
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny sizes")
    args = parser.parse_args(argv)
    if args.quick:
        args.pairs, args.vocab, args.dim, args.batch, args.steps, args.rounds = \
            200, 500, 16, 32, 3, 1
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "pairs.jsonl")
        write_pairs(path, args.pairs, args.vocab, args.max_len)
        print(f"{args.pairs} pairs, sequences of 5-{args.max_len} tokens, vocab {args.vocab} "
              f"x {args.dim} (tied), batch {args.batch}, {args.rounds} rounds of {args.steps} "
              f"timed steps; {os.cpu_count()} CPU cores, TF {tf.__version__}, "
              f"Keras {keras.__version__}", flush=True)
        memory = in_memory_batches(path, hyperparameters(args, "pooled_embedding"))
        plain_batches = iter(memory.map(lambda x, y: (x["in0"], x["in1"], y)))
        reference = PlainTFDocumentPairs(args.vocab, args.dim, learning_rate=LEARNING_RATE,
                                         lazy=False)
        runs = {REFERENCE: lambda: time_function_steps(reference.train_step, plain_batches,
                                                       args.steps)}
        for name in args.encoders.split(","):
            hp = hyperparameters(args, name)
            keras.utils.set_random_seed(0)
            model = keras_o2v.Object2Vec(hp)
            model.compile()
            pipeline = keras_o2v.make_dataset(path, hp, seed=0)
            runs[f"keras_o2v {name}, model only"] = (
                lambda model=model: time_fit_steps(model, memory, args.steps))
            runs[f"keras_o2v {name}, pipeline"] = (
                lambda model=model, data=pipeline: time_fit_steps(model, data))
        if not args.quick:
            for run in runs.values():  # warm-up: tracing, make_dataset's cache
                run()
        results = alternate(runs, args.rounds)
    rows = report(results, args.batch, REFERENCE)
    speed = {row["name"]: row["pairs_per_s"] for row in rows}
    for name in args.encoders.split(","):
        pipeline = speed[f"keras_o2v {name}, pipeline"]
        print(f"{name}: pipeline / model only "
              f"{pipeline / speed[f'keras_o2v {name}, model only']:.2f}")
    return rows


if __name__ == "__main__":
    main()

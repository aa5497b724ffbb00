"""What keras_o2v's generality costs: Object2Vec against a hand-written Keras pair model.

On the MovieLens 100k train split (86,042 (user, movie) -> rating pairs) this trains, in
one process and on the same batches, at `--batch` (default 512):

- plain Keras (the reference): `reference_models.keras_pair_model`, two
  `keras.layers.Embedding` tables, dropout, `[u * v, u, v]`, one relu layer, dropout
  and a linear output, AdamW, MSE: the tuned MovieLens network
  (`keras_o2v.presets.MOVIELENS_RATING`) written by hand for single ids (no masking,
  truncation or pooling, no metric besides the loss);
- keras_o2v: `Object2Vec` with those hyperparameters, compiled with its defaults
  (`compile()`: its Adam, its `mean_squared_error` metric), on the same batches held in
  memory as `[batch, 1]` id sequences;
- keras_o2v pipeline: the same model fed by `make_dataset` from the JSON Lines file,
  as `keras_o2v.train` does (a whole epoch per round, so its cache of parsed records
  is complete after the warm-up round).

Every variant is timed step by step (`step_timing`), one epoch's worth of steps per
variant and round, in alternating rounds after a warm-up round; it prints the median
pairs/s, the range of the round medians and the ratio to the plain model.

Usage:
    python benchmarks/pair_model_overhead.py [--batch 512] [--rounds 7]
    python benchmarks/pair_model_overhead.py --quick     # synthetic ids, a few steps
"""

import argparse
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from reference_models import keras_pair_model  # noqa: E402
from step_timing import alternate, report, time_fit_steps  # noqa: E402

import keras_o2v  # noqa: E402
from keras_o2v import datasets, presets  # noqa: E402

REFERENCE = "plain Keras pair model"


def hyperparameters(num_users, num_items, batch):
    return keras_o2v.Hyperparameters.from_dict({
        **presets.MOVIELENS_RATING, "enc0_vocab_size": str(num_users),
        "enc1_vocab_size": str(num_items), "mini_batch_size": str(batch)})


def plain_model(hp):
    return keras_pair_model(
        hp.enc0_vocab_size, hp.encoder(1).vocab_size, dim=hp.enc0_token_embedding_dim,
        hidden=hp.mlp_dim, dropout=hp.dropout, learning_rate=hp.learning_rate,
        weight_decay=hp.weight_decay)


def load_train(quick):
    if quick:
        rng = np.random.default_rng(0)
        users, items = rng.integers(1, 50, 2000), rng.integers(1, 80, 2000)
        return datasets.Ratings(users.astype(np.int32), items.astype(np.int32),
                                rng.integers(1, 6, 2000).astype(np.float32),
                                np.zeros(2000, np.int64))
    train, _, _ = datasets.split_ratings(datasets.movielens_100k().ratings, seed=0)
    return train


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: synthetic ids, 1 round of a few steps")
    args = parser.parse_args(argv)
    if args.quick:
        args.batch, args.rounds = 256, 1
    train = load_train(args.quick)
    users, items = train.user_id.astype(np.int64), train.item_id.astype(np.int64)
    ratings = train.rating.astype(np.float32)[:, None]
    hp = hyperparameters(int(users.max()) + 1, int(items.max()) + 1, args.batch)
    steps = -(-len(ratings) // args.batch) - 3  # an epoch: make_dataset's last batch is short
    print(f"MovieLens 100k train split{' [QUICK: synthetic]' if args.quick else ''}: "
          f"{len(ratings)} pairs, batch {args.batch}, {args.rounds} rounds of an epoch "
          f"({steps} timed steps); {os.cpu_count()} CPU cores, TF {tf.__version__}, "
          f"Keras {keras.__version__}", flush=True)

    def batches(features):
        return tf.data.Dataset.from_tensor_slices((features, ratings)).batch(args.batch).repeat()

    keras.utils.set_random_seed(0)
    plain = plain_model(hp)
    model = keras_o2v.Object2Vec(hp)
    model.compile()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "train.jsonl")
        datasets.write_jsonl(datasets.ratings_to_records(train), path)
        pipeline = keras_o2v.make_dataset(path, hp, seed=0)
        in_memory = batches({"in0": users[:, None], "in1": items[:, None]})
        plain_data = batches({"user": users, "item": items})
        runs = {
            REFERENCE: lambda: time_fit_steps(plain, plain_data, steps),
            "keras_o2v Object2Vec, in-memory batches":
                lambda: time_fit_steps(model, in_memory, steps),
            "keras_o2v Object2Vec, make_dataset pipeline":
                lambda: time_fit_steps(model, pipeline),
        }
        if not args.quick:
            for run in runs.values():  # warm-up: tracing, make_dataset's cache
                run()
        results = alternate(runs, args.rounds)
    return report(results, args.batch, REFERENCE, title="model")


if __name__ == "__main__":
    main()

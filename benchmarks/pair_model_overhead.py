"""What keras_o2v's generality costs: Object2Vec against a hand-written Keras pair model.

On the MovieLens 100k train split (86,042 (user, movie) -> rating pairs) this trains, in
one process and on the same batches held in memory, at mini_batch_size 512:

- plain Keras: two `keras.layers.Embedding` tables, dropout, `[u * v, u, v]`, one ReLU
  layer and a linear output, AdamW, MSE: the network of the tuned MovieLens benchmark
  row, written by hand for ids of length 1 (no masking, no truncation, no pooling);
- keras_o2v: `Object2Vec` with the same hyperparameters (`TUNED` of
  benchmarks/movielens.py: 128-d tables, `hadamard, concat`, MLP 1 x 256 relu,
  dropout 0.5, weight_decay 0.1), fed the same batches as `[batch, 1]` id sequences;
- keras_o2v pipeline: the same model fed by `make_dataset` from the JSON Lines file,
  as `keras_o2v.train` does;

and prints pairs per second with ratios to the plain model. Each is timed after a
warm-up epoch (tracing); the three are timed in turn, `--repeats` rounds, and the
median of each is printed, so a burst of load on a shared machine does not land on
one row only. Compare ratios, not absolute figures.

Usage:
    python benchmarks/pair_model_overhead.py [--epochs 2] [--repeats 3]
"""

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_o2v  # noqa: E402
from keras_o2v import datasets  # noqa: E402

BATCH = 512
HIDDEN, DIM, DROPOUT, WEIGHT_DECAY, LEARNING_RATE = 256, 128, 0.5, 0.1, 0.002


def plain_pair_model(num_users, num_items):
    """The hand-written equivalent of the tuned Object2Vec network for single ids."""
    user = keras.Input((), dtype="int64", name="user")
    item = keras.Input((), dtype="int64", name="item")
    u = keras.layers.Dropout(DROPOUT)(keras.layers.Embedding(num_users, DIM)(user))
    v = keras.layers.Dropout(DROPOUT)(keras.layers.Embedding(num_items, DIM)(item))
    x = keras.layers.Concatenate()([keras.layers.Multiply()([u, v]), u, v])
    x = keras.layers.Dense(HIDDEN, activation="relu")(x)
    model = keras.Model([user, item], keras.layers.Dense(1)(x))
    model.compile(keras.optimizers.AdamW(LEARNING_RATE, weight_decay=WEIGHT_DECAY), "mse")
    return model


def object2vec(num_users, num_items):
    hp = keras_o2v.Hyperparameters.from_dict({
        "enc0_network": "pooled_embedding", "enc1_network": "pooled_embedding",
        "enc0_max_seq_len": "1", "enc1_max_seq_len": "1",
        "enc0_vocab_size": str(num_users), "enc1_vocab_size": str(num_items),
        "enc0_token_embedding_dim": str(DIM), "enc1_token_embedding_dim": str(DIM),
        "comparator_list": "hadamard, concat", "mlp_layers": "1", "mlp_dim": str(HIDDEN),
        "mlp_activation": "relu", "dropout": str(DROPOUT), "weight_decay": str(WEIGHT_DECAY),
        "output_layer": "mean_squared_error", "optimizer": "adam",
        "learning_rate": str(LEARNING_RATE), "mini_batch_size": str(BATCH)})
    model = keras_o2v.Object2Vec(hp)
    model.compile()
    return model, hp


def pairs_per_second(model, dataset, pairs, epochs):
    start = time.perf_counter()
    model.fit(dataset, epochs=epochs, verbose=0)
    return pairs * epochs / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per round")
    parser.add_argument("--repeats", type=int, default=3, help="rounds; medians are printed")
    args = parser.parse_args(argv)
    train, _, _ = datasets.split_ratings(datasets.movielens_100k().ratings, seed=0)
    users, items = train.user_id.astype(np.int64), train.item_id.astype(np.int64)
    ratings = train.rating.astype(np.float32)[:, None]
    num_users, num_items = int(users.max()) + 1, int(items.max()) + 1
    pairs = len(ratings)
    print(f"MovieLens 100k train split: {pairs} pairs, batch {BATCH}, {os.cpu_count()} CPU "
          f"cores, TF {tf.__version__}, Keras {keras.__version__}", flush=True)

    plain_data = tf.data.Dataset.from_tensor_slices(
        ({"user": users, "item": items}, ratings)).batch(BATCH).cache()
    o2v_data = tf.data.Dataset.from_tensor_slices(
        ({"in0": users[:, None], "in1": items[:, None]}, ratings)).batch(BATCH).cache()
    model, hp = object2vec(num_users, num_items)
    plain = plain_pair_model(num_users, num_items)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "train.jsonl")
        datasets.write_jsonl(datasets.ratings_to_records(train), path)
        runs = [("plain Keras pair model", plain, plain_data),
                ("keras_o2v Object2Vec, in-memory batches", model, o2v_data),
                ("keras_o2v Object2Vec, make_dataset pipeline", model,
                 keras_o2v.make_dataset(path, hp, seed=0))]
        for _, net, data in runs:  # warm-up: tracing, dataset caches
            net.fit(data, epochs=1, verbose=0)
        speeds = {name: [] for name, _, _ in runs}
        for _ in range(args.repeats):
            for name, net, data in runs:
                speeds[name].append(pairs_per_second(net, data, pairs, args.epochs))
    rows = [(name, float(np.median(values))) for name, values in speeds.items()]
    base = rows[0][1]
    print("\n| model | pairs/s | ratio to plain |\n|---|---|---|")
    for name, speed in rows:
        print(f"| {name} | {speed:,.0f} | {speed / base:.2f} |")


if __name__ == "__main__":
    main()

"""TensorFlow Recommenders' ranking model on a MovieLens split; runs in the `tfrs` env.

The model of TFRS' "Recommending movies: ranking" tutorial: 32-d user and movie
embeddings, concatenated, Dense(256, relu) -> Dense(64, relu) -> Dense(1), trained
with `tfrs.tasks.Ranking` (MSE) and Adagrad(0.1), batch 8192. The tutorial trains
3 epochs; here it trains up to `--epochs` and keeps the epoch with the best
validation RMSE (Keras EarlyStopping, patience 5, restore_best_weights), the same
selection rule keras_o2v gets. Needs Keras 2: TF_USE_LEGACY_KERAS=1 with tf-keras.

Prints one JSON line: test and validation RMSE, fit time, epochs run.

Usage: TF_USE_LEGACY_KERAS=1 python tfrs_ranking.py SPLIT.npz [--epochs 100] [--seed 0]
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_recommenders as tfrs  # noqa: E402


class RankingModel(tfrs.models.Model):
    def __init__(self, num_users, num_items, dim=32):
        super().__init__()
        self.user_embeddings = tf.keras.layers.Embedding(num_users, dim)
        self.item_embeddings = tf.keras.layers.Embedding(num_items, dim)
        self.ratings = tf.keras.Sequential([
            tf.keras.layers.Dense(256, activation="relu"),
            tf.keras.layers.Dense(64, activation="relu"),
            tf.keras.layers.Dense(1),
        ])
        self.task = tfrs.tasks.Ranking(
            loss=tf.keras.losses.MeanSquaredError(),
            metrics=[tf.keras.metrics.RootMeanSquaredError(name="rmse")])

    def call(self, features):
        return self.ratings(tf.concat([self.user_embeddings(features["user"]),
                                       self.item_embeddings(features["item"])], axis=1))

    def compute_loss(self, features, training=False):
        labels = features["rating"]
        return self.task(labels=labels, predictions=self(features))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("split")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    tf.keras.utils.set_random_seed(args.seed)
    split = np.load(args.split)

    def dataset(part, shuffle=False):
        data = tf.data.Dataset.from_tensor_slices({
            "user": split[f"{part}_user"].astype(np.int64),
            "item": split[f"{part}_item"].astype(np.int64),
            "rating": split[f"{part}_rating"].astype(np.float32)})
        if shuffle:
            data = data.shuffle(100_000, seed=args.seed, reshuffle_each_iteration=True)
        return data.batch(8192).cache() if not shuffle else data.batch(8192)

    num_users = int(max(split[f"{p}_user"].max() for p in ("train", "validation", "test"))) + 1
    num_items = int(max(split[f"{p}_item"].max() for p in ("train", "validation", "test"))) + 1
    model = RankingModel(num_users, num_items)
    model.compile(optimizer=tf.keras.optimizers.Adagrad(learning_rate=0.1))
    stop = tf.keras.callbacks.EarlyStopping(monitor="val_rmse", patience=5, mode="min",
                                            restore_best_weights=True)
    start = time.perf_counter()
    history = model.fit(dataset("train", shuffle=True), validation_data=dataset("validation"),
                        epochs=args.epochs, callbacks=[stop], verbose=0)
    fit_s = time.perf_counter() - start

    def rmse(part):
        predictions = model.predict(dataset(part), verbose=0)[:, 0]
        return float(np.sqrt(np.mean((predictions - split[f"{part}_rating"]) ** 2)))

    print(json.dumps({"test_rmse": rmse("test"), "validation_rmse": rmse("validation"),
                      "fit_s": fit_s, "epochs_run": len(history.history["loss"]),
                      "settings": "TFRS ranking tutorial model (32-d embeddings, MLP 256-64-1, "
                      "Adagrad 0.1, batch 8192), early stopping on validation RMSE"}))


if __name__ == "__main__":
    main()

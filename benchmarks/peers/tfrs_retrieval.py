"""TensorFlow Recommenders' retrieval model on a MovieLens split; runs in the `tfrs` env.

The model of TFRS' "Recommending movies: retrieval" tutorial: 32-d user and movie
embedding tables (the two towers), `tfrs.tasks.Retrieval` (softmax over the batch's
movies), `Adagrad(0.1)`, batches of 8,192 shuffled ratings. The tutorial's towers map
user ids and movie titles through `StringLookup`; here they read the integer ids of
the split directly (1,682 movies; the tutorial's titles collapse them to 1,664).

- `--epochs N` (the tutorial: 3) trains N epochs;
- `--select-epoch` trains up to `--epochs` and keeps the epoch with the best
  validation top-10 accuracy (unfiltered, as `FactorizedTopK`), stopping after
  `--patience` epochs without a gain.

After training, the test top-k accuracies are also computed by TFRS's own
`FactorizedTopK` metric over all movies (`tfrs_factorized_top_k` in the output), to
check the benchmark's metric against TFRS's. Writes the user x movie score matrix
(`.npy`) and prints one JSON line. Needs Keras 2: TF_USE_LEGACY_KERAS=1 with tf-keras.

Usage: TF_USE_LEGACY_KERAS=1 python tfrs_retrieval.py SPLIT.npz SCORES.npy [--epochs 3]
           [--select-epoch] [--patience 5] [--seed 0]
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_recommenders as tfrs  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from topk_metrics import known_matrix, ranking_metrics  # noqa: E402


class RetrievalModel(tfrs.models.Model):
    def __init__(self, num_users, num_items, dim):
        super().__init__()
        self.user_model = tf.keras.layers.Embedding(num_users + 1, dim)
        self.movie_model = tf.keras.layers.Embedding(num_items + 1, dim)
        self.task = tfrs.tasks.Retrieval()

    def compute_loss(self, features, training=False):
        return self.task(self.user_model(features["user"]), self.movie_model(features["item"]),
                         compute_metrics=False)

    def scores(self):
        return (self.user_model.embeddings.numpy() @ self.movie_model.embeddings.numpy().T)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("split")
    parser.add_argument("scores")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--select-epoch", action="store_true")
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=8192)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    tf.keras.utils.set_random_seed(args.seed)
    split = np.load(args.split)
    num_users, num_items = int(split["num_users"]), int(split["num_items"])
    train = tf.data.Dataset.from_tensor_slices({
        "user": split["train_user"].astype(np.int64), "item": split["train_item"].astype(np.int64)})
    train = train.shuffle(100_000, seed=args.seed, reshuffle_each_iteration=True).batch(
        args.batch_size)
    model = RetrievalModel(num_users, num_items, args.dim)
    model.compile(optimizer=tf.keras.optimizers.Adagrad(learning_rate=args.learning_rate))
    known = known_matrix(num_users, num_items, (split["train_user"], split["train_item"]),
                         (split["validation_user"], split["validation_item"]))

    history, best = [], (-1.0, 0, None)
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.fit(train, epochs=1, verbose=0)
        if not args.select_epoch:
            continue
        top10 = ranking_metrics(model.scores(), split["validation_user"],
                                split["validation_item"], known, ks=(10,))["top_10"]
        history.append(round(top10, 4))
        if top10 > best[0]:
            best = (top10, epoch, model.get_weights())
        elif epoch - best[1] >= args.patience:
            break
    fit_s = time.perf_counter() - start
    if args.select_epoch:
        model.set_weights(best[2])
    np.save(args.scores, model.scores().astype(np.float32))

    factorized = {}
    if len(split["test_user"]):
        factorized = factorized_top_k(model, split, num_items, args.learning_rate)
    print(json.dumps({
        "fit_s": fit_s, "epochs_run": epoch, "best_epoch": best[1] if args.select_epoch else epoch,
        "validation_top_10_by_epoch": history, "tfrs_factorized_top_k": factorized,
        "settings": f"TFRS retrieval tutorial model ({args.dim}-d towers, tfrs.tasks.Retrieval, "
                    f"Adagrad {args.learning_rate}, batch {args.batch_size})"}))


def factorized_top_k(model, split, num_items, learning_rate):
    """Test top-k accuracies by TFRS's own `FactorizedTopK` over every movie."""
    movies = tf.data.Dataset.from_tensor_slices(np.arange(1, num_items + 1, dtype=np.int64))
    model.task = tfrs.tasks.Retrieval(metrics=tfrs.metrics.FactorizedTopK(
        candidates=movies.batch(512).map(model.movie_model)))
    test = tf.data.Dataset.from_tensor_slices({
        "user": split["test_user"].astype(np.int64), "item": split["test_item"].astype(np.int64)})

    def with_metrics(features, training=False):
        return model.task(model.user_model(features["user"]), model.movie_model(features["item"]),
                          compute_metrics=True)
    model.compute_loss = with_metrics
    model.compile(optimizer=tf.keras.optimizers.Adagrad(learning_rate=learning_rate))
    evaluated = model.evaluate(test.batch(4096), return_dict=True, verbose=0)
    return {key.rsplit("/", 1)[-1]: round(float(value), 4)
            for key, value in evaluated.items() if "top_" in key}


if __name__ == "__main__":
    main()

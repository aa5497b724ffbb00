"""
Title: Movie retrieval on MovieLens 100k: train, export, top-k from the server
Author: keras_o2v contributors
Date created: 2026-11-24
Last modified: 2026-11-24
Description: Retrieval mode (softmax over candidates, ranking metrics, early stopping on hits@10) on MovieLens 100k implicit feedback, then a SavedModel served by `o2v serve` answering a user's top-k.

**What this shows.** Recommending movies is a retrieval job: for a user, find the few
movies among 1,682 they will watch. keras_o2v's retrieval mode
(`training_objective=retrieval`, a keras_o2v extension) scores a (user, movie) pair by
the cosine similarity of the two embeddings and trains with a softmax over candidate
movies, so the embeddings are made for ranking; the training job reports ranking
metrics (`validation:hits_at_10`, `validation:mrr`, ...) and keeps the epoch with the
best `validation:hits_at_10`. We then score the test split as TensorFlow Recommenders
does (top-k accuracy among all movies), export a SavedModel with the movies as top-k
candidates, start `o2v serve`, and ask the server for a user's top 10.

**How long it takes.** At full size (72,000 training ratings, up to 10 epochs) about a
minute: the run shown took 47 s on 2 CPU cores shared with other jobs; the last cell prints
the time of your run.
`O2V_NOTEBOOK_SIZE=small` (what the test suite runs: 4,000 training ratings, 1 epoch)
takes well under a minute and its numbers are not meaningful.
"""

"""
## Setup
"""

import json
import os
import pathlib
import tempfile
import time
import urllib.request

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
from keras_o2v.tensorflow_logs import quiet_tensorflow  # noqa: E402 (TensorFlow-free)

quiet_tensorflow()  # before TensorFlow loads: no C++ start-up logs (O2V_VERBOSE=1 keeps them)

import keras
import numpy as np
import tensorflow as tf

import keras_o2v
from keras_o2v_serving.launcher import ServeProcess

SIZE = os.environ.get("O2V_NOTEBOOK_SIZE", "full")
if SIZE not in ("small", "full"):
    raise ValueError(f"O2V_NOTEBOOK_SIZE must be 'small' or 'full', got {SIZE!r}")
SMALL = SIZE == "small"
STARTED = time.perf_counter()
keras.utils.set_random_seed(0)
tf.get_logger().setLevel("ERROR")
WORK_DIR = pathlib.Path(os.environ.get("O2V_NOTEBOOK_WORK_DIR") or
                        tempfile.mkdtemp(prefix="o2v-retrieval-"))
WORK_DIR.mkdir(parents=True, exist_ok=True)
print(f"size={SIZE}, writing files under {WORK_DIR}")

"""
## 1. Implicit feedback: who watched what

Every rating is a positive pair `in0 = [user id]`, `in1 = [movie id]` with label 1,
whatever the rating: we predict *which* movies a user watches, not how much they like
them. The split follows TensorFlow Recommenders' retrieval tutorial: the ratings
shuffled with seed 42, 80% for training and 20% for test; the last 8,000 of the
training part are the validation split that chooses the epoch.
"""

movielens = keras_o2v.datasets.movielens_100k()
ratings = movielens.ratings
order = np.random.default_rng(42).permutation(len(ratings))
pairs = [{"label": 1, "in0": [int(u)], "in1": [int(m)]}
         for u, m in zip(ratings.user_id[order], ratings.item_id[order])]
train_records, validation_records, test_records = pairs[:72_000], pairs[72_000:80_000], pairs[80_000:]
if SMALL:
    train_records, validation_records, test_records = (
        train_records[:4_000], validation_records[:500], test_records[:500])
paths = {}
for name, records in (("train", train_records), ("validation", validation_records),
                      ("test", test_records)):
    paths[name] = str(WORK_DIR / f"{name}.jsonl")
    keras_o2v.datasets.write_jsonl(records, paths[name])
print({name: len(records) for name, records in
       (("train", train_records), ("validation", validation_records), ("test", test_records))})

"""
## 2. Train in retrieval mode

Two 64-d pooled embeddings (one token each side). `training_objective=retrieval`
replaces SageMaker's comparator and MLP by the cosine similarity of the two
embeddings (divided by a temperature, 0.3 by default, during training). With a
one-token `in1` from a small vocabulary, `retrieval_negatives=auto` trains a full
softmax over every movie; larger catalogues use in-batch negatives with
accidental-hit masking and the logQ correction. `early_stopping_metric` makes
SageMaker's early-stopping rule, and the choice of the kept epoch, follow
`validation:hits_at_10` instead of the validation loss.

The job prints what it learned from the train channel, what its ranking metrics rank
(each validation pair's movie among the movies of every channel, the user's other
known movies left out: filtered ranking), and one `#quality_metric` line per metric
and epoch.
"""

hyperparameters = {
    "training_objective": "retrieval",
    "enc0_network": "pooled_embedding", "enc0_max_seq_len": 1, "enc0_vocab_size": 944,
    "enc1_network": "pooled_embedding", "enc1_max_seq_len": 1, "enc1_vocab_size": 1683,
    "enc0_token_embedding_dim": 64, "enc1_token_embedding_dim": 64,
    "optimizer": "adam", "learning_rate": 0.01, "mini_batch_size": 1024,
    "epochs": 1 if SMALL else 10,
    "early_stopping_metric": "validation:hits_at_10", "early_stopping_patience": 2,
    "early_stopping_tolerance": 0.001,
}
result = keras_o2v.train(hyperparameters, train=paths["train"],
                         validation=paths["validation"], test=paths["test"],
                         model_dir=WORK_DIR / "job", seed=0, verbose=0)
model = result.model
print("kept epoch", result.best_epoch)

"""
The test channel was scored once, with the kept model (filtered ranking, as on
validation):
"""

print(json.dumps({k: round(v, 4) for k, v in result.test_metrics.items()}, indent=1))

"""
## 3. Top-k accuracy, as TensorFlow Recommenders measures it

TFRS's `FactorizedTopK` metric ranks each test pair's movie among *all* movies, the
user's other movies included (unfiltered). `keras_o2v.evaluate_retrieval` scores a
model (in memory, a `model_dir`, or an export) on any pairs file that way:
"""

all_movies = np.arange(1, 1683)
top_k = keras_o2v.evaluate_retrieval(model, paths["test"], candidates=all_movies,
                                     filtered=False)
print({k: round(v, 4) for k, v in top_k.items()})

"""
## 4. A user's top 10, in memory

The user's embedding against every movie's embedding, one matrix product
(`Object2Vec.score_embeddings`), leaving out the movies the user rated in train:
"""

user = 42
user_vector = model.embed(in0=[[user]])
movie_vectors = model.embed(in1=all_movies[:, None])
scores = np.asarray(model.score_embeddings(user_vector, movie_vectors))[0]
seen = {r["in1"][0] for r in train_records if r["in0"][0] == user}
ranked = [int(m) for m in all_movies[np.argsort(-scores)] if int(m) not in seen][:10]
print(f"user {user} rated {len(seen)} movies in train, e.g. "
      f"{[movielens.titles[m] for m in sorted(seen)[:3]]}")
for movie in ranked:
    print(f"  {scores[movie - 1]:.3f}  {movielens.titles[movie]}")

"""
## 5. Export and serve

The SavedModel has the usual three signatures; in retrieval mode `serving_default`
returns the cosine similarity of the pair (`scores` `[batch, 1]`), and `embed_in0` /
`embed_in1` the embeddings. Exported with candidates (here every movie: `o2v export
--candidates movies.jsonl` on the command line), it also gets `top_k` and
`top_k_excluding`: the movie embeddings are frozen into the graph, and a request with
a user and `k` returns the k best movie ids and scores, scored by the same similarity
(`Object2Vec.score_embeddings`). `ServeProcess` starts `o2v serve` on a free local port
(as `o2v serve --model-base-path BASE --model-name movies` would in a terminal) and
waits for `/ping`.
"""

candidates = keras_o2v.export.Candidates(ids=all_movies, sequences=[[int(m)] for m in all_movies])
base_path = WORK_DIR / "models" / "movies"
print("exported", keras_o2v.export_saved_model(model, base_path, candidates=candidates))
server = ServeProcess(["--model-base-path", str(base_path), "--model-name", "movies"],
                      log_path=WORK_DIR / "server.log")
server.start()
print("o2v serve is up at", server.url)


def post(path, body):
    """POST a JSON body to the server; returns the decoded JSON answer."""
    request = urllib.request.Request(server.url + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


"""
## 6. A user's top 10, from the server

SageMaker's `/invocations` answers an instance with `in0` and `k` from `top_k`, and
with `exclude` (here the movies the user rated in train) from `top_k_excluding`. TF
Serving's `:predict` takes the same request with `"signature_name": "top_k_excluding"`.
"""

answer = post("/invocations", {"instances": [
    {"in0": [user], "k": 10, "exclude": sorted(seen)}]})["predictions"][0]
print("server top 10 == in-memory top 10:", answer["ids"] == ranked)
assert answer["ids"] == ranked
for movie, score in zip(answer["ids"][:3], answer["scores"]):
    print(f"  {score:.3f}  {movielens.titles[movie]}")
pair = post("/v1/models/movies:predict",
            {"instances": [{"in0": [user], "in1": [ranked[0]]}]})["predictions"][0]
print(f"serving_default for ({user}, {ranked[0]}): {pair[0]:.4f}, top_k: {answer['scores'][0]:.4f}")

"""
## 7. Stop the server
"""

server.close()
print(f"notebook ran in {time.perf_counter() - STARTED:.0f} s (size={SIZE})")

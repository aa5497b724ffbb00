"""`o2v demo`: the README's main job on MovieLens 100k, from download to HTTP answers.

Fetches MovieLens 100k (`keras_o2v.datasets`), splits it (10 ratings per user
held out as test, 5% of the rest as validation), trains a rating-regression
Object2Vec with `keras_o2v.train` and the `keras_o2v.presets.MOVIELENS_RATING`
hyperparameters, exports a SavedModel for TensorFlow Serving, starts `o2v serve`
in a separate process, and over HTTP asks for the predicted ratings of a few
held-out (user, movie) pairs (SageMaker scoring request) and for every movie's
embedding (SageMaker embedding request), then prints the movies nearest to a
well-known one. The server is stopped at the end.

Run it with `o2v demo` (or `make demo` on a fresh machine).
"""

import json
import os
import tempfile
import time
import urllib.request

import numpy as np

from keras_o2v.presets import MOVIELENS_RATING

COMMAND = "demo"
HELP = "MovieLens 100k end to end: fetch, train, export, serve, query over HTTP."
WELL_KNOWN_MOVIE = 50  # "Star Wars (1977)" in MovieLens 100k


def add_arguments(parser):
    parser.add_argument("--workdir", help="where data, model and export go (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)


def run(args):
    if args.workdir:
        run_demo(args.workdir, seed=args.seed)
    else:
        with tempfile.TemporaryDirectory(prefix="o2v-demo-") as workdir:
            run_demo(workdir, seed=args.seed)
    return 0


def run_demo(workdir, movielens=None, hyperparameters=None, query_movie=WELL_KNOWN_MOVIE,
             seed=0, printer=print):
    """Runs the whole job in `workdir` and returns what it printed, as data.

    Args:
        workdir: folder for the data files, model_dir and export (created).
        movielens: a `keras_o2v.datasets.MovieLens100k`; fetched when None.
        hyperparameters: overrides of `keras_o2v.presets.MOVIELENS_RATING`.
        query_movie: item id whose nearest movies are shown.
        seed: seed of the training job.
        printer: where progress goes.

    Returns:
        dict with `test_rmse`, `predictions` (user, item, true, predicted) and
        `neighbors` (item ids nearest to `query_movie`).
    """
    from keras_o2v import datasets, export_saved_model, train
    from keras_o2v.neighbors import NearestNeighbors
    from keras_o2v.training.progress import epoch_label
    from keras_o2v_serving.launcher import ServeProcess

    os.makedirs(workdir, exist_ok=True)
    movielens = movielens or datasets.movielens_100k()
    ratings = movielens.ratings
    train_part, validation_part, test_part = datasets.split_ratings(ratings, seed=seed)
    channels = {}
    for name, part in (("train", train_part), ("validation", validation_part),
                       ("test", test_part)):
        channels[name] = os.path.join(workdir, f"{name}.jsonl")
        datasets.write_jsonl(datasets.ratings_to_records(part, task="regression"),
                             channels[name])
    printer(f"MovieLens 100k ({movielens.source}): {len(train_part)} train, "
            f"{len(validation_part)} validation, {len(test_part)} test ratings")

    hp = dict(MOVIELENS_RATING, enc0_vocab_size=int(ratings.user_id.max()) + 1,
              enc1_vocab_size=int(ratings.item_id.max()) + 1, **(hyperparameters or {}))
    start = time.perf_counter()
    result = train(hp, model_dir=os.path.join(workdir, "model_dir"), seed=seed, verbose=0,
                   **channels)
    test_rmse = float(np.sqrt(result.test_metrics["test:mean_squared_error"]))
    printer(f"Trained in {time.perf_counter() - start:.0f} s; kept "
            f"{epoch_label(result.best_epoch, hp['epochs'])} (the lowest validation loss); "
            f"test RMSE {test_rmse:.4f}")

    base_path = os.path.join(workdir, "export", "o2v")
    version_dir = export_saved_model(result.model, base_path)
    printer(f"Exported SavedModel for TensorFlow Serving: {version_dir}")

    with ServeProcess(["--model-base-path", base_path]) as server:
        url = server.url
        printer(f"o2v serve started at {url} (port {url.rsplit(':', 1)[1]}, process "
                f"{server.process.pid}); it is stopped when the demo ends")
        sample = test_part.take(np.arange(5))
        body = {"instances": [{"in0": [int(u)], "in1": [int(i)]}
                              for u, i in zip(sample.user_id, sample.item_id)]}
        scores = post_json(f"{url}/invocations", body)["predictions"]
        predictions = []
        printer("Predicted ratings (SageMaker scoring request to /invocations):")
        width = max(len(movielens.titles[int(i)]) for i in sample.item_id)
        for u, i, true, answer in zip(sample.user_id, sample.item_id, sample.rating, scores):
            predicted = answer["scores"][0]
            predictions.append((int(u), int(i), float(true), predicted))
            printer(f"  user {u:>4} · {movielens.titles[int(i)]:<{width}}  "
                    f"true {true:.0f}  predicted {predicted:.2f}")

        items = sorted(movielens.titles)
        body = {"instances": [{"in1": [i]} for i in items]}
        vectors = np.array([p["embeddings"] for p in
                            post_json(f"{url}/invocations", body)["predictions"]], np.float32)
    index = NearestNeighbors(vectors, ids=items, metric="cosine")
    ids, _ = index.search(vectors[items.index(query_movie)][None, :], k=6)
    neighbors = [int(i) for i in ids[0] if int(i) != query_movie][:5]
    printer(f"Movies nearest to {movielens.titles[query_movie]} "
            "(SageMaker embedding request, cosine):")
    for item in neighbors:
        printer(f"  {movielens.titles[item]}")
    return {"test_rmse": test_rmse, "predictions": predictions, "neighbors": neighbors}


def post_json(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json",
                                              "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())

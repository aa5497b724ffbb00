"""Benchmark: MovieLens 100k implicit retrieval (user -> the movies they rated), keras_o2v beside peers.

Every rating is an implicit positive (user, movie) pair. Split: TensorFlow Recommenders'
retrieval tutorial proportions. The 100,000 ratings are shuffled with NumPy's
`default_rng(42).permutation` (the tutorial shuffles with TF's seeded
`Dataset.shuffle`, whose order cannot be reproduced without the same record order in
TFDS); the first 80,000 are TFRS's train part and the last 20,000 the test set. Of the
train part, the first 72,000 are train here and the last 8,000 validation. Every model
is fitted on train only; validation chooses its settings (grids, epochs, early
stopping); test is scored once.

Metrics, the same for every row (`peers/topk_metrics.py`, from each model's user x movie
score matrix, ranking all 1,682 movies):
- top-10 and top-100 accuracy: the share of test (user, movie) pairs whose movie is
  among the user's 10 / 100 best-scored movies, the user's train movies included
  (TFRS's `FactorizedTopK`, unfiltered; the headline is top-10);
- filtered top-10 and MRR: the same ranks with the user's other known movies (train,
  validation and test) left out;
- recall@10: per user, the share of the user's test movies among the 10 best movies the
  user has not rated in train or validation (what a recommender shows), averaged over
  test users;
- fit time: wall-clock training, on this machine, of the kept model (a keras_o2v row:
  the whole `keras_o2v.train` job with its per-epoch validation ranking; grids and
  searches are not included).

Rows, all in one run of this script:
- most popular: movies by their number of train ratings;
- implicit ALS and BPR, each tuned on validation by a small grid
  (`peers/implicit_retrieval.py --tune`; own virtualenv);
- TensorFlow Recommenders' retrieval tutorial model (32-d towers, `tfrs.tasks.Retrieval`,
  Adagrad 0.1, batch 8,192): 3 epochs as in the tutorial, and with the epoch count
  chosen on validation (`peers/tfrs_retrieval.py`; own virtualenv, Keras 2);
- keras_o2v with SageMaker's binary recipe: the pair classifier (comparator and MLP
  head) trained on the positives with `negative_sampling_rate=5`, early stopping on the
  validation loss (SageMaker's rule);
- keras_o2v retrieval mode (`training_objective=retrieval`) with the settings chosen on
  validation (`TUNED`, the best of `SEARCH`; `--search` reruns that search).

Usage:
    python benchmarks/movielens_retrieval.py --json rows.json     # the table
    python benchmarks/movielens_retrieval.py --search --peers none  # + the validation search
    python benchmarks/movielens_retrieval.py --quick --peers none   # smoke run, synthetic data
"""

import argparse
import json
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "peers"))

import envs  # noqa: E402
import numpy as np  # noqa: E402
from topk_metrics import known_matrix, ranking_metrics  # noqa: E402
from validation_search import add_search_arguments, best_candidate, search_candidates  # noqa: E402

from keras_o2v import datasets  # noqa: E402

TRAIN_PART, VALIDATION = 80_000, 8_000
KS = (10, 100)

# One-token users and movies, pooled_embedding on both sides.
def common(num_users, num_items, dim):
    return {"enc0_network": "pooled_embedding", "enc0_max_seq_len": "1",
            "enc0_vocab_size": str(num_users + 1), "enc1_network": "pooled_embedding",
            "enc1_max_seq_len": "1", "enc1_vocab_size": str(num_items + 1),
            "enc0_token_embedding_dim": str(dim), "enc1_token_embedding_dim": str(dim)}


# SageMaker's binary recipe: positives only, `negative_sampling_rate` re-paired negatives,
# comparator + MLP head, early stopping on the validation loss.
SAGEMAKER_BINARY = {"negative_sampling_rate": "5", "mlp_layers": "1", "mlp_dim": "256",
                    "mlp_activation": "relu", "mini_batch_size": "1024", "optimizer": "adam",
                    "learning_rate": "0.001", "epochs": "20", "early_stopping_patience": "2"}
# Retrieval mode; the kept epoch is the best by the headline metric on validation.
RETRIEVAL = {"training_objective": "retrieval", "mini_batch_size": "1024", "optimizer": "adam",
             "learning_rate": "0.01", "epochs": "40", "ranking_filtered": "False",
             "early_stopping_metric": "validation:hits_at_10", "early_stopping_patience": "3",
             "early_stopping_tolerance": "0.0005"}
# The validation-only search (`--search`): each entry overrides RETRIEVAL, "dim" the
# table width; the winner is TUNED.
SEARCH = [
    {"dim": 64},
    {"dim": 32},
    {"dim": 128},
    {"dim": 64, "retrieval_temperature": "0.2"},
    {"dim": 64, "retrieval_temperature": "0.5"},
    {"dim": 64, "retrieval_similarity": "dot"},
    {"dim": 64, "retrieval_negatives": "in_batch"},
    {"dim": 64, "learning_rate": "0.003"},
    {"dim": 64, "weight_decay": "0.1"},
    # round 2, around the best of round 1 (temperature 0.5)
    {"dim": 64, "retrieval_temperature": "0.7"},
    {"dim": 64, "retrieval_temperature": "1.0"},
    {"dim": 32, "retrieval_temperature": "0.5"},
    {"dim": 128, "retrieval_temperature": "0.5"},
    {"dim": 64, "retrieval_temperature": "0.5", "retrieval_negatives": "in_batch"},
    {"dim": 64, "retrieval_temperature": "0.5", "dropout": "0.2"},
    {"dim": 64, "retrieval_similarity": "dot", "learning_rate": "0.001"},
    # round 3: users as id + up to 64 train movies (the pair's own movie left out)
    {"dim": 64, "retrieval_temperature": "0.5", "history": 64},
    {"dim": 64, "retrieval_temperature": "0.3", "history": 64},
    {"dim": 64, "retrieval_temperature": "0.5", "history": 64, "dropout": "0.2"},
    # round 4, around temperature 0.5
    {"dim": 64, "retrieval_temperature": "0.4"},
    {"dim": 64, "retrieval_temperature": "0.6"},
    {"dim": 64, "retrieval_temperature": "0.5", "mini_batch_size": "256"},
    {"dim": 64, "retrieval_temperature": "0.5", "learning_rate": "0.03"},
    {"dim": 64, "retrieval_temperature": "0.5", "retrieval_negatives": "in_batch",
     "retrieval_logq_correction": "False"},
    {"dim": 64, "retrieval_temperature": "0.7", "history": 64},
]
TUNED = {"dim": 64, "retrieval_temperature": "0.5"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny synthetic ratings, 1 epoch: a smoke run (no network)")
    parser.add_argument("--peers", default="all",
                        help="all (create envs when missing), available (envs that exist), none")
    parser.add_argument("--rows", default="popular,implicit,tfrs,sagemaker,retrieval",
                        help="comma-separated row groups to run")
    add_search_arguments(parser)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    work = args.work_dir or tempfile.mkdtemp(prefix="o2v-ml-retrieval-")
    os.makedirs(work, exist_ok=True)
    split = load_split(args.quick)
    if args.validation_only:
        split.update(test_user=split["validation_user"][:0], test_item=split["validation_item"][:0])
    files = write_split(work, split)
    print(f"split: train {len(split['train_user'])}, validation {len(split['validation_user'])}, "
          f"test {len(split['test_user'])} pairs; {split['num_users']} users, "
          f"{split['num_items']} movies (default_rng(42) shuffle, 72k/8k/20k)"
          + (" [QUICK: synthetic data]" if args.quick else ""), flush=True)
    wanted = args.rows.split(",")
    rows = []

    def add(row):
        rows.append(row)
        print(f"  -> {json.dumps({k: v for k, v in row.items() if k != 'notes'})}", flush=True)
        if args.json:  # after every row, so a cut-short run keeps what it measured
            write_json(args.json, rows)

    if "popular" in wanted:
        add(most_popular(split))
    if "implicit" in wanted:
        for model in ("als", "bpr"):
            add(run_peer(f"implicit {model.upper()}, tuned on validation", "implicit_retrieval.py",
                         "implicit", [model, "--tune"], split, files, work, args))
    if "tfrs" in wanted:
        add(run_peer("TFRS retrieval tutorial model, 3 epochs", "tfrs_retrieval.py", "tfrs",
                     ["--epochs", "3"], split, files, work, args))
        add(run_peer("TFRS retrieval tutorial model, epochs chosen on validation",
                     "tfrs_retrieval.py", "tfrs",
                     ["--epochs", "3" if args.quick else "200", "--select-epoch"],
                     split, files, work, args))
    quick = {"epochs": "1"} if args.quick else {}
    if "sagemaker" in wanted:
        add(run_o2v("keras_o2v, SageMaker binary recipe (negative_sampling_rate 5, MLP head)",
                    {**common(split["num_users"], split["num_items"], 64), **SAGEMAKER_BINARY,
                     **quick}, split, files, work, args.seed))
    if "retrieval" in wanted:
        tuned = (search(split, files, work, args.seed, quick, args.search_range, add)
                 if args.search else TUNED)
        if not (args.search and args.validation_only):
            add(run_o2v("keras_o2v retrieval mode, tuned on validation",
                        retrieval_hyperparameters(split, tuned, quick), split, files, work,
                        args.seed))
    print_table(rows)
    if args.json:
        write_json(args.json, rows)
    return rows


# === Data ===
def load_split(quick):
    if quick:
        from movielens import synthetic_ratings

        ratings = synthetic_ratings(0, num_users=30, num_items=50, per_user=20)
        train_part, validation = 480, 60
    else:
        ratings = datasets.movielens_100k().ratings
        train_part, validation = TRAIN_PART, VALIDATION
    order = np.random.default_rng(42).permutation(len(ratings))
    users, items = ratings.user_id[order].astype(np.int64), ratings.item_id[order].astype(np.int64)
    parts = {"train": slice(0, train_part - validation),
             "validation": slice(train_part - validation, train_part),
             "test": slice(train_part, len(ratings))}
    split = {"num_users": int(users.max()), "num_items": int(items.max())}
    for name, part in parts.items():
        split[f"{name}_user"], split[f"{name}_item"] = users[part], items[part]
    return split


def write_split(work, split):
    files = {"npz": os.path.join(work, "split.npz")}
    np.savez(files["npz"], **split)
    for name in ("train", "validation", "test"):
        files[name] = os.path.join(work, f"{name}.jsonl")
        datasets.write_jsonl(({"label": 1, "in0": [int(u)], "in1": [int(i)]} for u, i in
                              zip(split[f"{name}_user"], split[f"{name}_item"])), files[name])
    return files


def write_history_split(work, split, max_items, seed=0):
    """Channels whose `in0` is the user id followed by up to `max_items` train movies.

    `datasets.UserHistory` of the train pairs (a seeded subset for heavier users; movie j
    is token `offset + j`). A train pair's own movie is left out of its `in0` (the model
    must not learn to find the answer in its input); validation and test pairs, and the
    users of the score matrix, get the whole kept history.
    """
    train = datasets.Ratings(split["train_user"], split["train_item"],
                             np.ones(len(split["train_user"]), np.float32),
                             np.zeros(len(split["train_user"]), np.int64))
    history = datasets.UserHistory(train, max_items=max_items, seed=seed,
                                   num_users=split["num_users"], num_items=split["num_items"])
    files = {"history": history, "users": [history.tokens(u)
                                           for u in range(1, split["num_users"] + 1)]}
    for name in ("train", "validation", "test"):
        files[name] = os.path.join(work, f"{name}-history{max_items}.jsonl")
        records = []
        for u, i in zip(split[f"{name}_user"], split[f"{name}_item"]):
            tokens = files["users"][u - 1]
            if name == "train":
                tokens = [t for t in tokens if t != history.offset + i]
            records.append({"label": 1, "in0": tokens, "in1": [int(i)]})
        datasets.write_jsonl(records, files[name])
    return files


def evaluate(scores, split):
    """Validation metrics (known: train + validation) and test metrics (known: all three)."""
    pairs = [(split[f"{p}_user"], split[f"{p}_item"]) for p in ("train", "validation", "test")]
    shape = (split["num_users"], split["num_items"])
    validation = ranking_metrics(scores, *pairs[1], known_matrix(*shape, *pairs[:2]), ks=KS)
    if not len(pairs[2][0]):  # --validation-only
        return {"validation": validation, "test": None}
    test = ranking_metrics(scores, *pairs[2], known_matrix(*shape, *pairs), ks=KS)
    return {"validation": validation, "test": test}


# === Rows ===
def most_popular(split):
    start = time.perf_counter()
    counts = np.bincount(split["train_item"], minlength=split["num_items"] + 1).astype(np.float32)
    scores = np.broadcast_to(counts, (split["num_users"] + 1, len(counts)))
    fit_s = time.perf_counter() - start
    return {"model": "most popular (train counts)", "fit_s": fit_s, **evaluate(scores, split),
            "notes": "the same ranking for every user"}


def run_peer(name, script, env, extra, split, files, work, args):
    skipped = envs.skip_reason(env, args.peers)
    if skipped:
        return {"model": name, "fit_s": None, "validation": None, "test": None, "notes": skipped}
    scores_path = os.path.join(work, f"scores-{env}-{len(os.listdir(work))}.npy")
    result, failure = envs.run_peer_script(
        name, env, script, [files["npz"], scores_path, *extra, "--seed", args.seed],
        {"TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"})
    if failure:
        return {"model": name, "fit_s": None, "validation": None, "test": None, "notes": failure}
    row = {"model": name, "fit_s": result["fit_s"], **evaluate(np.load(scores_path), split),
           "notes": result["settings"]}
    for key in ("best_epoch", "epochs_run", "tfrs_factorized_top_k", "grid_points",
                "validation_top_10_by_epoch", "params"):
        if key in result:
            row[key] = result[key]
    if "best_epoch" in result:
        row["notes"] += f"; kept epoch {result['best_epoch']} of {result['epochs_run']}"
    return row


def retrieval_hyperparameters(split, candidate, overrides):
    values = dict(candidate)
    dim = values.pop("dim")
    hp = {**common(split["num_users"], split["num_items"], dim), **RETRIEVAL}
    history = values.pop("history", None)
    if history:
        hp.update(enc0_max_seq_len=str(history + 1), enc0_pooling="first_plus_sqrtn",
                  enc0_vocab_size=str(split["num_users"] + split["num_items"] + 2))
    return {**hp, **values, **overrides}


def channels_for(hp, files, work, split):
    """The channels a keras_o2v row trains on: ids only, or user histories (cached)."""
    length = int(hp["enc0_max_seq_len"])
    if length == 1:
        return files
    key = f"history{length - 1}"
    if key not in files:
        files[key] = write_history_split(work, split, length - 1)
    return files[key]


def run_o2v(name, hp, split, files, work, seed, test=True):
    import keras_o2v

    files = channels_for(hp, files, work, split)
    model_dir = tempfile.mkdtemp(prefix="o2v-", dir=work)
    print(f"running {name}: {json.dumps(hp, sort_keys=True)}", flush=True)
    start = time.perf_counter()
    result = keras_o2v.train(hp, train=files["train"], validation=files["validation"],
                             model_dir=model_dir, seed=seed, verbose=0)
    fit_s = time.perf_counter() - start
    users = files.get("users", np.arange(1, split["num_users"] + 1)[:, None])
    scores = o2v_scores(result.model, users, split["num_items"])
    metrics = evaluate(scores, split)
    if not test:
        metrics["test"] = None
    return {"model": name, "fit_s": fit_s, **metrics, "best_epoch": result.best_epoch,
            "epochs_run": len(result.history),
            "notes": f"kept epoch {result.best_epoch} of {len(result.history)}",
            "hyperparameters": hp}


def o2v_scores(model, user_in0, num_items, block=64):
    """The user x movie matrix of `serving_default` scores (row/column 0: padding).

    `user_in0`: the `in0` of users 1..n (their ids, or ids and histories)."""
    num_users = len(user_in0)
    users = model.embed(in0=user_in0)
    movies = model.embed(in1=np.arange(1, num_items + 1)[:, None])
    scores = np.zeros((num_users + 1, num_items + 1), np.float32)
    for start in range(0, num_users, block):
        scores[1 + start:1 + start + block, 1:] = np.asarray(
            model.score_embeddings(users[start:start + block], movies))
    return scores


def search(split, files, work, seed, overrides, search_range=":", record=None):
    """Trains every SEARCH candidate, keeps the best validation top-10 (test is not read)."""
    candidates = search_candidates(SEARCH, search_range)

    def train(candidate):
        return run_o2v(f"search {json.dumps(candidate)}",
                       retrieval_hyperparameters(split, candidate, overrides), split, files, work,
                       seed, test=False)

    return best_candidate(candidates[:2] if overrides else candidates, train,
                          "validation top-10", lambda row: row["validation"]["top_10"],
                          details=lambda row: f"top-100 {row['validation']['top_100']:.4f}",
                          record=record)


# === Output ===
def write_json(path, rows):
    with open(path, "w") as out:
        json.dump(rows, out, indent=1, default=str)


def print_table(rows):
    print("\n| model | top-10 | top-100 | filtered top-10 | recall@10 | MRR | validation top-10 "
          "| fit (s) | notes |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        if row.get("search"):
            continue
        test, validation = row.get("test"), row.get("validation")
        cells = ["n/a"] * 5 if test is None else [
            f"{test[key]:.4f}" for key in ("top_10", "top_100", "filtered_top_10", "recall_at_10",
                                           "mrr")]
        cells.append("n/a" if validation is None else f"{validation['top_10']:.4f}")
        fit = "n/a" if row.get("fit_s") is None else f"{row['fit_s']:.1f}"
        print(f"| {row['model']} | " + " | ".join(cells) + f" | {fit} | {row['notes']} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

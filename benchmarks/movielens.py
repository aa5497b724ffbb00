"""Benchmark: MovieLens 100k rating prediction, keras_o2v beside baselines and peers.

Split (fixed, documented): `keras_o2v.datasets.split_ratings(ratings, test_per_user=10,
validation_fraction=0.05, seed=0)` - for every user 10 ratings drawn at random (seed 0)
are the test set (9,430 ratings, like GroupLens' `ua.test` but drawn with a fixed seed);
5% of the remaining ratings are validation (4,528); the rest (86,042) is train. Every
model is fitted on train only; validation is used only for early stopping / model
selection; test is scored once per model.

Rows of the table, all fitted in the same process run, one after another:
- global mean and per-user mean of the train ratings;
- scikit-surprise SVD with its defaults, and tuned on validation by a grid search
  (`peers/surprise_svd.py --tune`; separate virtualenv, see `benchmarks/envs.py`);
- TensorFlow Recommenders' ranking-tutorial model (separate virtualenv, Keras 2);
- keras_o2v with the hyperparameters of SageMaker's MovieLens notebook
  (`keras_o2v.presets.SAGEMAKER_MOVIELENS`);
- keras_o2v with the best hyperparameters found on the validation split (`TUNED`,
  `keras_o2v.presets.MOVIELENS_RATING`;
  `--search` reruns that search, which only ever looks at validation MSE);
- keras_o2v with `TUNED_HISTORY`: the same network, but each user written as the user
  id followed by up to `USER_HISTORY_ITEMS` movies the user rated in train
  (`datasets.UserHistory`, a seeded random subset for heavier users), pooled with
  `enc0_pooling` so the id keeps full weight: SVD++'s user vector. Only train ratings
  go into the histories, for the validation and test records too.

keras_o2v predicts raw ratings (MSE regression on the 1-5 label, no centring).
Fit time is wall-clock training time (keras_o2v: the whole `keras_o2v.train` job,
including its per-epoch validation pass and checkpoint writing). The machine is shared,
so absolute times are noisy; compare rows of the same run.

Usage:
    python benchmarks/movielens.py                 # full benchmark, prints the table
    python benchmarks/movielens.py --search        # + the validation-only search
    python benchmarks/movielens.py --quick         # smoke run on tiny synthetic data
    python benchmarks/movielens.py --peers none    # skip surprise / TFRS
    python benchmarks/movielens.py --peers none --o2v tuned,history   # two keras_o2v rows
"""

import argparse
import json
import math
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import envs  # noqa: E402
import numpy as np  # noqa: E402

from keras_o2v import datasets, presets  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

SAGEMAKER = presets.SAGEMAKER_MOVIELENS

# The hand-written search: each entry overrides SAGEMAKER; the winner is chosen on
# validation MSE only (test is never looked at). Ideas: smaller tables and dropout on the
# encoder outputs against over-fitting (943 users, 86k ratings), decoupled weight decay,
# a plain linear head over the comparator (hadamard + concat + abs_diff, i.e. a biased
# factorisation) versus a ReLU MLP, larger batches for speed, finer early stopping.
_COMMON = {"mini_batch_size": "512", "learning_rate": "0.002", "epochs": "40",
           "early_stopping_patience": "3", "early_stopping_tolerance": "0.001"}
SEARCH = [
    {**_COMMON, "enc0_token_embedding_dim": "64", "enc1_token_embedding_dim": "64",
     "mlp_layers": "0", "dropout": "0.3"},
    {**_COMMON, "enc0_token_embedding_dim": "64", "enc1_token_embedding_dim": "64",
     "mlp_layers": "0", "dropout": "0.5", "weight_decay": "0.1"},
    {**_COMMON, "enc0_token_embedding_dim": "64", "enc1_token_embedding_dim": "64",
     "mlp_layers": "1", "mlp_dim": "256", "mlp_activation": "relu", "dropout": "0.5"},
    {**_COMMON, "enc0_token_embedding_dim": "128", "enc1_token_embedding_dim": "128",
     "mlp_layers": "1", "mlp_dim": "256", "mlp_activation": "relu", "dropout": "0.5",
     "weight_decay": "0.1"},
    {**_COMMON, "enc0_token_embedding_dim": "32", "enc1_token_embedding_dim": "32",
     "mlp_layers": "1", "mlp_dim": "128", "mlp_activation": "tanh", "dropout": "0.3"},
    {**_COMMON, "dropout": "0.5"},  # SageMaker's network (300-d, tanh MLP) with dropout
    # SEARCH[3] without abs_diff: with dropout on the encoder outputs, |u - v| grows with
    # the dropout noise itself, a feature the head must learn to ignore.
    {**_COMMON, "enc0_token_embedding_dim": "128", "enc1_token_embedding_dim": "128",
     "comparator_list": "hadamard, concat", "mlp_layers": "1", "mlp_dim": "256",
     "mlp_activation": "relu", "dropout": "0.5", "weight_decay": "0.1"},
    # SEARCH[6] with a learning rate that shrinks by 10% an epoch (keras_o2v's
    # learning_rate_decay), 4x the weight decay, and a finer tolerance, since the
    # decaying rate makes the late improvements small but steady.
    {**_COMMON, "enc0_token_embedding_dim": "128", "enc1_token_embedding_dim": "128",
     "comparator_list": "hadamard, concat", "mlp_layers": "1", "mlp_dim": "256",
     "mlp_activation": "relu", "dropout": "0.5", "weight_decay": "0.4",
     "learning_rate_decay": "0.9", "early_stopping_tolerance": "0.0001"},
    # SEARCH[7] with less dropout and more weight decay: keras_o2v.presets.MOVIELENS_RATING.
    presets.MOVIELENS_RATING,
]

# The winner of SEARCH on validation (benchmarks/RESULTS.md), used without --search.
TUNED = presets.MOVIELENS_RATING

# TUNED on users written as id + rated movies; the representation and the pooling were
# chosen on validation (benchmarks/RESULTS.md).
USER_HISTORY_ITEMS = 64
TUNED_HISTORY = {**TUNED, "enc0_pooling": "first_plus_sqrtn"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny synthetic ratings, 2 epochs: a smoke run (no network)")
    parser.add_argument("--search", action="store_true",
                        help="run the validation-only hyperparameter search first")
    parser.add_argument("--peers", default="all",
                        help="all (create envs when missing), available (only envs that "
                             "exist), or none")
    parser.add_argument("--o2v", default="sagemaker,tuned,history",
                        help="which keras_o2v rows to run: sagemaker (SageMaker's notebook "
                             "hp), tuned, history (tuned, users as id + rated movies)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work-dir", default=None, help="where split files and models go")
    parser.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)

    work = args.work_dir or tempfile.mkdtemp(prefix="o2v-movielens-")
    os.makedirs(work, exist_ok=True)
    train, validation, test = load_split(args.quick, args.seed)
    print(f"split: train {len(train)}, validation {len(validation)}, test {len(test)} ratings "
          f"(split_ratings test_per_user=10, validation_fraction=0.05, seed=0)"
          + (" [QUICK: synthetic data]" if args.quick else ""), flush=True)
    files = write_split(work, train, validation, test)
    overrides = {"epochs": "2"} if args.quick else {}

    rows = []
    rows.append(timed_baseline("global mean", lambda: global_mean(train), test))
    rows.append(timed_baseline("per-user mean", lambda: per_user_mean(train), test))
    for name, script, env, extra in (
            ("scikit-surprise SVD", "surprise_svd.py", "surprise", []),
            ("scikit-surprise SVD, tuned on validation", "surprise_svd.py", "surprise",
             ["--tune"]),
            ("TFRS ranking model", "tfrs_ranking.py", "tfrs",
             ["--epochs", "3"] if args.quick else [])):
        rows.append(run_peer(name, script, env, files["npz"], args.peers, extra, args.seed))

    o2v_rows = args.o2v.split(",")
    unknown = set(o2v_rows) - {"sagemaker", "tuned", "history"}
    if unknown or (args.search and "sagemaker" not in o2v_rows):
        parser.error(f"--o2v: unknown rows {sorted(unknown)}, or --search without sagemaker")
    if "sagemaker" in o2v_rows:
        rows.append(run_o2v("keras_o2v, SageMaker notebook hp", {**SAGEMAKER, **overrides},
                            files, work, args.seed))
    if args.search:
        rows.append(search(files, work, args.seed, overrides, incumbent=rows[-1]))
    elif "tuned" in o2v_rows:
        rows.append(run_o2v("keras_o2v, tuned on validation", {**SAGEMAKER, **TUNED, **overrides},
                            files, work, args.seed))
    if "history" in o2v_rows:
        rows.append(run_o2v("keras_o2v, tuned, user = id + rated movies",
                            {**SAGEMAKER, **TUNED_HISTORY, **overrides}, files["history"],
                            work, args.seed))
    rows = [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]
    print_table(rows)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=1)
    return rows


# === Data ===
def load_split(quick, seed):
    if quick:
        ratings = synthetic_ratings(seed)
    else:
        ratings = datasets.movielens_100k().ratings
    return datasets.split_ratings(ratings, test_per_user=10, validation_fraction=0.05, seed=0)


def synthetic_ratings(seed, num_users=40, num_items=60, per_user=25):
    """Bias + low-rank ratings rounded to 1..5, every user with `per_user` ratings."""
    rng = np.random.default_rng(seed)
    users = np.repeat(np.arange(1, num_users + 1), per_user)
    items = np.concatenate([rng.choice(np.arange(1, num_items + 1), per_user, replace=False)
                            for _ in range(num_users)])
    u, v = rng.normal(size=(num_users + 1, 3)), rng.normal(size=(num_items + 1, 3))
    score = 3.5 + 0.5 * np.sum(u[users] * v[items], axis=1) + rng.normal(0, 0.5, len(users))
    rating = np.clip(np.round(score), 1, 5).astype(np.float32)
    return datasets.Ratings(users.astype(np.int32), items.astype(np.int32), rating,
                            np.zeros(len(users), np.int64))


def write_split(work, train, validation, test):
    files = {}
    for name, part in (("train", train), ("validation", validation), ("test", test)):
        files[name] = os.path.join(work, f"{name}.jsonl")
        datasets.write_jsonl(datasets.ratings_to_records(part), files[name])
    files["npz"] = os.path.join(work, "split.npz")
    arrays = {}
    for name, part in (("train", train), ("validation", validation), ("test", test)):
        arrays[f"{name}_user"] = part.user_id
        arrays[f"{name}_item"] = part.item_id
        arrays[f"{name}_rating"] = part.rating
    np.savez(files["npz"], **arrays)
    files["num_users"] = int(max(p.user_id.max() for p in (train, validation, test)))
    files["num_items"] = int(max(p.item_id.max() for p in (train, validation, test)))
    files["validation_ratings"] = validation.rating
    files["history"] = write_history_split(work, train, validation, test, files)
    return files


def write_history_split(work, train, validation, test, files):
    """The split with `in0` = user id + up to USER_HISTORY_ITEMS movies rated in train."""
    history = datasets.UserHistory(train, max_items=USER_HISTORY_ITEMS, seed=0,
                                   num_users=files["num_users"], num_items=files["num_items"])
    out = {key: files[key] for key in ("num_users", "num_items")}
    for name, part in (("train", train), ("validation", validation), ("test", test)):
        out[name] = os.path.join(work, f"{name}-history.jsonl")
        datasets.write_jsonl(datasets.ratings_to_records(part, user_history=history), out[name])
    out["enc0_vocab_size"] = history.vocab_size
    out["enc0_max_seq_len"] = USER_HISTORY_ITEMS + 1
    return out


# === Baselines ===
def global_mean(train):
    mean = float(np.mean(train.rating))
    return lambda users, items: np.full(len(users), mean)


def per_user_mean(train):
    mean = float(np.mean(train.rating))
    sums = np.bincount(train.user_id, weights=train.rating)
    counts = np.bincount(train.user_id)
    table = np.where(counts > 0, sums / np.maximum(counts, 1), mean)

    def predict(users, items):
        users = np.asarray(users)
        inside = users < len(table)
        return np.where(inside, table[np.minimum(users, len(table) - 1)], mean)
    return predict


def timed_baseline(name, fit, test):
    start = time.perf_counter()
    predict = fit()
    fit_s = time.perf_counter() - start
    return {"model": name, "test_rmse": rmse(predict(test.user_id, test.item_id), test.rating),
            "fit_s": fit_s, "notes": "fit on train"}


def rmse(predictions, ratings):
    return float(np.sqrt(np.mean((np.asarray(predictions, np.float64) - ratings) ** 2)))


# === Peers (own virtualenvs, own processes) ===
def run_peer(name, script, env, npz, peers, extra, seed):
    skipped = envs.skip_reason(env, peers)
    if skipped:
        return {"model": name, "test_rmse": None, "fit_s": None, "notes": skipped}
    result, failure = envs.run_peer_script(
        name, env, script, [npz, "--seed", seed, *extra],
        {"TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"})
    if failure:
        return {"model": name, "test_rmse": None, "fit_s": None, "notes": failure}
    notes = f"val RMSE {result['validation_rmse']:.4f}; {result['settings']}"
    if "epochs_run" in result:
        notes += f"; {result['epochs_run']} epochs"
    return {"model": name, "test_rmse": result["test_rmse"], "fit_s": result["fit_s"],
            "notes": notes}


# === keras_o2v ===
def o2v_hyperparameters(values, files):
    hp = dict(values)
    hp["enc0_vocab_size"] = str(files.get("enc0_vocab_size", files["num_users"] + 1))
    hp["enc1_vocab_size"] = str(files["num_items"] + 1)
    if "enc0_max_seq_len" in files:
        hp["enc0_max_seq_len"] = str(files["enc0_max_seq_len"])
    return hp


def run_o2v(name, values, files, work, seed, test=True):
    import keras_o2v

    hp = o2v_hyperparameters(values, files)
    model_dir = tempfile.mkdtemp(prefix="o2v-", dir=work)
    print(f"running {name}: {json.dumps(values, sort_keys=True)}", flush=True)
    start = time.perf_counter()
    result = keras_o2v.train(hp, train=files["train"], validation=files["validation"],
                             test=files["test"] if test else None, model_dir=model_dir,
                             seed=seed, verbose=0)
    fit_s = time.perf_counter() - start
    best = result.history[result.best_epoch]
    row_model = result.model
    validation_rmse = math.sqrt(best["validation:mean_squared_error"])
    row = {"model": name, "fit_s": fit_s, "validation_rmse": validation_rmse,
           "notes": f"val RMSE {validation_rmse:.4f}; best epoch {result.best_epoch} of "
                    f"{len(result.history)}"}
    if test:
        row["test_rmse"] = math.sqrt(result.test_metrics["test:mean_squared_error"])
    print(f"  -> {row}", flush=True)
    row["_model"] = row_model
    return row


def search(files, work, seed, overrides, incumbent=None):
    """Trains every SEARCH candidate without looking at test, keeps the one with the lowest
    validation MSE, and only then scores that one model on test. Returns its table row.

    `incumbent` (the SageMaker-hyperparameter row) takes part in the selection: when no
    candidate beats it on validation, the tuned row is that same model."""
    results = [(incumbent, {})] if incumbent is not None else []
    for number, candidate in enumerate(SEARCH[:2] if overrides else SEARCH):  # quick: 2
        row = run_o2v(f"search #{number}", {**SAGEMAKER, **candidate, **overrides}, files,
                      work, seed, test=False)
        results.append((row, candidate))
    print("\nsearch (validation RMSE, lower is better):")
    for row, candidate in sorted(results, key=lambda r: r[0]["validation_rmse"]):
        print(f"  {row['validation_rmse']:.4f}  {row['fit_s']:6.1f}s  "
              f"{json.dumps(candidate, sort_keys=True)}")
    row, candidate = min(results, key=lambda r: r[0]["validation_rmse"])
    if not candidate:
        return dict(row, model="keras_o2v, tuned on validation",
                    notes=row["notes"] + "; no candidate beat SageMaker's hp on validation")
    test = np.load(files["npz"])
    predictions = row["_model"].predict(
        {"in0": test["test_user"].astype(np.int64)[:, None],
         "in1": test["test_item"].astype(np.int64)[:, None]}, batch_size=4096, verbose=0)
    row = dict(row, model="keras_o2v, tuned on validation",
               test_rmse=rmse(predictions[:, 0], test["test_rating"]))
    row["notes"] += f"; search winner {json.dumps(candidate, sort_keys=True)}"
    return row


# === Output ===
def print_table(rows):
    print("\n| model | test RMSE | fit time (s) | notes |")
    print("|---|---|---|---|")
    for row in rows:
        value = "n/a" if row.get("test_rmse") is None else f"{row['test_rmse']:.4f}"
        fit = "n/a" if row.get("fit_s") is None else f"{row['fit_s']:.1f}"
        print(f"| {row['model']} | {value} | {fit} | {row.get('notes', '')} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""Benchmark: 20 Newsgroups and Reuters R8 label prediction, keras_o2v beside fastText and a linear SVM.

Classification as retrieval: `in0` is a document's token ids, `in1` one label token
(label k is id k + 1), and keras_o2v's retrieval mode trains a full softmax over the
label tokens (`training_objective=retrieval`, `retrieval_negatives=full`); a document
gets the label whose embedding is most similar to its own.

Split: the loader's train/test split (`keras_o2v.datasets.newsgroups20()`: by date;
`reuters_r8()`: Cachopo's ModApte-based split); 10% of the train documents (seed 0)
are validation, the other 90% train. Every model is fitted on train only, its settings
are chosen by validation accuracy, and test is scored once.

Rows, all in one run of this script (one data set per run):
- TF-IDF + LinearSVC (scikit-learn; sublinear tf, min_df 2), C and the n-gram range
  chosen on validation;
- fastText supervised (`fasttext-wheel`, own virtualenv; `peers/fasttext_labels.py`),
  learning rate, epochs and word n-grams chosen on validation;
- keras_o2v with SageMaker's binary pair recipe, as `benchmarks/newsgroups.py` trains it
  (pooled_embedding, first 200 tokens, `negative_sampling_rate=1`, MLP head, at most
  10 epochs, early stopping on the validation loss): the label token with the highest
  P(positive) wins;
- keras_o2v retrieval mode, settings chosen on validation (`TUNED`, the best of
  `SEARCH`; `--search` reruns it): word bigram tokens beside the words (fastText's
  trick, written by the preprocessing here), pooled_embedding, the kept epoch the best
  by validation accuracy (`early_stopping_metric=validation:hits_at_1`, unfiltered).

Tokens: lower-cased letters and digits (`TextPreprocessor(pattern="alphanumeric")`); the
vocabulary is the train part's words (and bigrams) seen at least `min_count` times;
unknown tokens are dropped. Fit time is wall-clock training on this machine (keras_o2v:
the whole `keras_o2v.train` job, per-epoch validation included; grids and searches
are not included).

Usage:
    python benchmarks/text_labels.py --dataset newsgroups20 --json rows.json
    python benchmarks/text_labels.py --dataset r8 --search --rows retrieval
    python benchmarks/text_labels.py --quick --peers none     # smoke run, synthetic data
"""

import argparse
import collections
import json
import os
import random
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import envs  # noqa: E402
import numpy as np  # noqa: E402
from validation_search import add_search_arguments, best_candidate, search_candidates  # noqa: E402

from keras_o2v import datasets, preprocessing  # noqa: E402

DATASETS = ("newsgroups20", "r8")
VALIDATION_FRACTION = 0.1
# SageMaker's binary pair recipe of benchmarks/newsgroups.py (its FULL settings).
SAGEMAKER_FEATURES = {"bigrams": False, "max_len": 200, "min_count": 2, "max_vocab": 30000}
# The retrieval row: features (bigrams, max_len: tokens kept, words first then bigrams,
# each at most half; min_count) and the model; SEARCH entries override BASE.
BASE = {"bigrams": True, "max_len": 2000, "min_count": 2, "max_vocab": None,
        "dim": 100, "pooling": "mean", "similarity": "dot", "temperature": "auto",
        "learning_rate": 0.005, "batch": 64, "dropout": 0.0, "weight_decay": 0.0,
        "epochs": 40, "patience": 3, "storage": "row_sparse"}
SEARCH = [
    {},
    {"bigrams": False},
    {"similarity": "cosine", "temperature": 0.1},
    {"similarity": "cosine", "temperature": 0.05},
    {"pooling": "sqrtn"},
    {"dropout": 0.3},
    {"learning_rate": 0.002},
    {"max_len": 600},
    # round 2, from sqrtn pooling
    {"pooling": "sqrtn", "similarity": "cosine", "temperature": 0.1},
    {"pooling": "sqrtn", "dropout": 0.3},
    {"pooling": "sqrtn", "dim": 200},
    {"pooling": "sqrtn", "min_count": 1},
    {"pooling": "sqrtn", "learning_rate": 0.01},
]
TUNED = {"newsgroups20": {"pooling": "sqrtn", "dim": 200}, "r8": {"bigrams": False}}
QUICK = {"max_len": 60, "dim": 8, "epochs": 1, "min_count": 1, "batch": 16}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=DATASETS, default="newsgroups20")
    parser.add_argument("--quick", action="store_true",
                        help="tiny synthetic corpus, 1 epoch: a smoke run (no network)")
    parser.add_argument("--peers", default="all",
                        help="all (create envs when missing), available (envs that exist), none")
    parser.add_argument("--rows", default="svm,fasttext,sagemaker,retrieval",
                        help="comma-separated rows to run")
    parser.add_argument("--settings", default=None,
                        help="JSON overrides of the retrieval row's settings (validation runs)")
    add_search_arguments(parser)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    work = args.work_dir or tempfile.mkdtemp(prefix=f"o2v-{args.dataset}-")
    os.makedirs(work, exist_ok=True)
    corpus = load_corpus(args.dataset, args.quick, args.seed)
    print(f"{args.dataset}: train {len(corpus['train_texts'])}, validation "
          f"{len(corpus['validation_texts'])}, test {len(corpus['test_texts'])} documents, "
          f"{corpus['num_labels']} labels" + (" [QUICK: synthetic data]" if args.quick else ""),
          flush=True)
    wanted = args.rows.split(",")
    quick = QUICK if args.quick else {}
    rows = []

    def add(row):
        rows.append(row)
        print(f"  -> {json.dumps(row)}", flush=True)
        if args.json:
            write_json(args.json, rows)

    test = not args.validation_only
    if "svm" in wanted:
        add(run_svm(corpus, quick, test))
    if "fasttext" in wanted:
        add(run_fasttext(corpus, work, args))
    if "sagemaker" in wanted:
        add(run_sagemaker(corpus, work, args.seed, quick, test))
    if "retrieval" in wanted:
        if args.search:
            settings = search(corpus, work, args.seed, quick, args.search_range, add)
        else:
            settings = {**BASE, **TUNED[args.dataset], **json.loads(args.settings or "{}"),
                        **quick}
        if test or not args.search:
            add(run_retrieval("keras_o2v retrieval mode, tuned on validation", corpus, settings,
                              work, args.seed, test))
    print_table(rows, args.dataset)
    if args.json:
        write_json(args.json, rows)
    return rows


# === Data ===
def load_corpus(dataset, quick, seed):
    if quick:
        from newsgroups import synthetic_corpus

        data = synthetic_corpus(seed, 8)
        texts, labels = data["train_texts"], np.asarray(data["train_labels"])
        test_texts, test_labels = data["test_texts"], np.asarray(data["test_labels"])
    else:
        loaded = datasets.newsgroups20() if dataset == "newsgroups20" else datasets.reuters_r8()
        texts, labels = loaded.train_texts, np.asarray(loaded.train_labels)
        test_texts, test_labels = loaded.test_texts, np.asarray(loaded.test_labels)
    order = np.random.default_rng(seed).permutation(len(texts))
    count = int(round(VALIDATION_FRACTION * len(texts)))
    validation_rows, train_rows = np.sort(order[:count]), np.sort(order[count:])
    from keras_o2v.text import TextPreprocessor

    tokenizer = TextPreprocessor(pattern="alphanumeric")  # the model's text layer, batched
    corpus = {"num_labels": int(max(labels.max(), test_labels.max())) + 1, "features": {}}
    for part, part_texts, part_labels in (
            ("train", [texts[i] for i in train_rows], labels[train_rows]),
            ("validation", [texts[i] for i in validation_rows], labels[validation_rows]),
            ("test", list(test_texts), test_labels)):
        corpus[f"{part}_texts"] = part_texts
        corpus[f"{part}_labels"] = np.asarray(part_labels, np.int64)
        corpus[f"{part}_tokens"] = tokenizer.token_lists(part_texts)
    return corpus


def features(corpus, settings):
    """Token-id lists of every part for the feature settings (cached on the corpus)."""
    key = (settings["bigrams"], settings["max_len"], settings["min_count"], settings["max_vocab"])
    if key in corpus["features"]:
        return corpus["features"][key]
    counts = collections.Counter()
    for tokens in corpus["train_tokens"]:
        counts.update(tokens)
        if settings["bigrams"]:
            counts.update(bigrams(tokens))
    vocab = preprocessing.vocabulary_from_counts(counts, min_count=settings["min_count"],
                                                 max_size=settings["max_vocab"])
    half = settings["max_len"] // 2 if settings["bigrams"] else settings["max_len"]

    def encode(tokens):
        ids = [vocab[t] for t in tokens if t in vocab][:half]
        if settings["bigrams"]:
            ids += [vocab[b] for b in bigrams(tokens) if b in vocab][:settings["max_len"] - len(ids)]
        return ids or [vocab[preprocessing.UNK]]  # a document with no known token: one <unk>

    out = {"vocab_size": len(vocab), "vocab": vocab}
    for part in ("train", "validation", "test"):
        out[part] = [encode(tokens) for tokens in corpus[f"{part}_tokens"]]
    corpus["features"][key] = out
    return out


def bigrams(tokens):
    return [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def write_channels(work, corpus, ids, name, negatives=None, seed=0):
    """train/validation JSON Lines: (document, label token) positives; `negatives`
    wrong labels per validation document (SageMaker's binary recipe) when given."""
    files = {}
    for part in ("train", "validation"):
        files[part] = os.path.join(work, f"{name}-{part}.jsonl")
        labels = corpus[f"{part}_labels"]
        if part == "validation" and negatives:
            records = datasets.documents_to_label_records(ids[part], labels, corpus["num_labels"],
                                                          negatives=negatives, seed=seed)
        else:
            records = ({"label": 1, "in0": doc, "in1": [int(label) + 1]}
                       for doc, label in zip(ids[part], labels))
        datasets.write_jsonl(records, files[part])
    return files


# === Rows ===
def run_svm(corpus, quick, test=True):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    print("running TF-IDF + LinearSVC (grid on validation)", flush=True)
    grid = [(c, n) for n in (1, 2) for c in (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)]

    def vectorize(n):
        vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=1 if quick else 2,
                                     ngram_range=(1, n), token_pattern=preprocessing.ALPHANUMERIC_WORDS)
        return vectorizer, vectorizer.fit_transform(corpus["train_texts"])

    def fit(c, n, vectorized=None):
        vectorizer, features = vectorized or vectorize(n)
        return vectorizer, LinearSVC(C=c).fit(features, corpus["train_labels"])

    def accuracy(model, part):
        vectorizer, classifier = model
        predicted = classifier.predict(vectorizer.transform(corpus[f"{part}_texts"]))
        return float(np.mean(predicted == corpus[f"{part}_labels"]))

    vectorized = {n: vectorize(n) for n in sorted({n for _, n in grid})}  # once per n-gram range
    searched = [(accuracy(fit(c, n, vectorized[n]), "validation"), (c, n)) for c, n in grid]
    validation_accuracy, (c, n) = max(searched, key=lambda pair: pair[0])
    start = time.perf_counter()
    model = fit(c, n)
    fit_s = time.perf_counter() - start
    return {"model": "TF-IDF + LinearSVC (scikit-learn), tuned on validation",
            "test_accuracy": accuracy(model, "test") if test else None,
            "validation_accuracy": validation_accuracy,
            "fit_s": fit_s, "grid": [[round(s, 4), list(p)] for s, p in searched],
            "notes": f"C {c}, word n-grams 1-{n}, {len(model[0].vocabulary_)} features"}


def run_fasttext(corpus, work, args):
    name = "fastText supervised, tuned on validation"
    skipped = envs.skip_reason("fasttext", args.peers)
    if skipped:
        return {"model": name, "test_accuracy": None, "validation_accuracy": None, "fit_s": None,
                "notes": skipped}
    paths = {}
    parts = ("train", "validation") if args.validation_only else ("train", "validation", "test")
    for part in parts:
        order = list(range(len(corpus[f"{part}_texts"])))
        if part == "train":  # fastText reads its input in order; the loaders sort by label
            random.Random(args.seed).shuffle(order)
        paths[part] = os.path.join(work, f"fasttext-{part}.txt")
        with open(paths[part], "w", encoding="utf-8") as out:
            for i in order:
                out.write(f"__label__{corpus[f'{part}_labels'][i]} "
                          f"{' '.join(corpus[f'{part}_tokens'][i])}\n")
    script_args = [paths["train"], paths["validation"], paths.get("test", "-"), "--seed", args.seed]
    quick_params = '{"lr": 0.5, "epoch": 2, "wordNgrams": 2}'
    script_args += ["--params", quick_params] if args.quick else ["--tune"]
    result, failure = envs.run_peer_script(name, "fasttext", "fasttext_labels.py", script_args)
    if failure:
        return {"model": name, "test_accuracy": None, "validation_accuracy": None, "fit_s": None,
                "notes": failure}
    return {"model": name, "test_accuracy": result.get("test_accuracy"),
            "validation_accuracy": result["validation_accuracy"], "fit_s": result["fit_s"],
            "grid": result["grid"], "notes": result["settings"]}


def run_sagemaker(corpus, work, seed, quick, test=True):
    from newsgroups import FULL, hyperparameters
    from newsgroups import QUICK as NEWSGROUPS_QUICK

    recipe = dict(NEWSGROUPS_QUICK if quick else FULL)
    ids = features(corpus, {**SAGEMAKER_FEATURES, **({"max_len": recipe["max_seq_len"],
                                                      "min_count": 1} if quick else {})})
    hp = hyperparameters(recipe, "pooled_embedding", ids["vocab_size"], glove=False)
    hp["enc1_vocab_size"] = str(corpus["num_labels"] + 1)
    files = write_channels(work, corpus, ids, "sagemaker", negatives=3, seed=seed)
    return train_and_score("keras_o2v, SageMaker binary recipe (newsgroups.py, pooled)", hp,
                           files, ids, corpus, work, seed, test)


def retrieval_hyperparameters(settings, vocab_size, num_labels):
    hp = {"enc0_network": "pooled_embedding", "enc0_max_seq_len": settings["max_len"],
          "enc0_vocab_size": vocab_size, "enc0_token_embedding_dim": settings["dim"],
          "enc0_pooling": settings["pooling"],
          "enc1_network": "pooled_embedding", "enc1_max_seq_len": 1,
          "enc1_vocab_size": num_labels + 1, "enc1_token_embedding_dim": settings["dim"],
          "training_objective": "retrieval", "retrieval_negatives": "full",
          "retrieval_similarity": settings["similarity"],
          "retrieval_temperature": settings["temperature"],
          "optimizer": "adam", "learning_rate": settings["learning_rate"],
          "mini_batch_size": settings["batch"], "epochs": settings["epochs"],
          "dropout": settings["dropout"], "weight_decay": settings["weight_decay"],
          "token_embedding_storage_type": settings["storage"],
          "early_stopping_metric": "validation:hits_at_1", "ranking_filtered": "False",
          "early_stopping_patience": settings["patience"], "early_stopping_tolerance": 0.001}
    return {key: str(value) for key, value in hp.items()}


def run_retrieval(name, corpus, settings, work, seed, test=True):
    ids = features(corpus, settings)
    hp = retrieval_hyperparameters(settings, ids["vocab_size"], corpus["num_labels"])
    files = write_channels(work, corpus, ids, f"retrieval-{len(os.listdir(work))}")
    row = train_and_score(name, hp, files, ids, corpus, work, seed, test=test)
    row["settings"] = settings
    return row


def train_and_score(name, hp, files, ids, corpus, work, seed, test=True):
    import keras_o2v

    model_dir = tempfile.mkdtemp(prefix="o2v-", dir=work)
    print(f"running {name}: {json.dumps(hp, sort_keys=True)}", flush=True)
    start = time.perf_counter()
    result = keras_o2v.train(hp, train=files["train"], validation=files["validation"],
                             model_dir=model_dir, seed=seed, verbose=0)
    fit_s = time.perf_counter() - start
    labels = result.model.embed(in1=np.arange(1, corpus["num_labels"] + 1)[:, None])

    def accuracy(part):
        documents = result.model.embed(in0=ids[part], batch_size=512)
        scores = np.asarray(result.model.score_embeddings(documents, labels))
        return float(np.mean(np.argmax(scores, axis=1) == corpus[f"{part}_labels"]))

    row = {"model": name, "test_accuracy": accuracy("test") if test else None,
           "validation_accuracy": accuracy("validation"), "fit_s": fit_s,
           "best_epoch": result.best_epoch, "epochs_run": len(result.history),
           "notes": f"vocabulary {ids['vocab_size']}; kept epoch {result.best_epoch} of "
                    f"{len(result.history)}", "hyperparameters": hp}
    return row


def search(corpus, work, seed, quick, search_range=":", record=None):
    """Trains every SEARCH candidate, keeps the best validation accuracy (test is not read)."""
    candidates = search_candidates(SEARCH, search_range)

    def train(candidate):
        return run_retrieval(f"search {json.dumps(candidate)}", corpus,
                             {**BASE, **candidate, **quick}, work, seed, test=False)

    best = best_candidate(candidates[:2] if quick else candidates, train, "validation accuracy",
                          lambda row: row["validation_accuracy"], record=record)
    return {**BASE, **best, **quick}


# === Output ===
def write_json(path, rows):
    with open(path, "w") as out:
        json.dump(rows, out, indent=1, default=str)


def print_table(rows, dataset):
    print(f"\n{dataset}\n\n| model | test accuracy | validation accuracy | fit (s) | notes |")
    print("|---|---|---|---|---|")
    for row in rows:
        if row.get("search"):
            continue
        cells = ["n/a" if row.get(key) is None else f"{row[key]:.4f}"
                 for key in ("test_accuracy", "validation_accuracy")]
        fit = "n/a" if row.get("fit_s") is None else f"{row['fit_s']:.1f}"
        print(f"| {row['model']} | {cells[0]} | {cells[1]} | {fit} | {row['notes']} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

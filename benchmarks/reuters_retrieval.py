"""Benchmark: document retrieval on Reuters R8 / R52 without labels, against TF-IDF and BM25.

The task (no topic labels are used): for each test document, one window of
`query_window` tokens (one of the windows tiling the document, drawn at random) is
the query; the rest of the document
(the tokens before and after the window) is its relevant document, and the rests of
all test documents are the candidates. Exactly the pairs `keras_o2v.cut_pairs(...,
mode="rest", per_document=1)` cuts from the test documents; a document with fewer
than 2 tokens gives no query and no candidate. Metrics: hits@1, hits@10, MRR and
mean rank of the relevant document among all candidates (realistic ranks for ties,
`keras_o2v.evaluation`, the same code for every row).

Split: the train documents of the loader (R8: 5,485, R52: 6,532) minus 25% (seed 0)
held out as validation documents, cut into queries and candidates like the test
documents (a quarter, so that the validation candidate pool, 1,371 for R8, is closer
to the test pool, 2,189, than a tenth would be); settings of every row are chosen on
validation only; test is scored once. keras_o2v trains on the remaining 75% of the
train documents only; its vocabulary and token weights come from them, and words
it never saw are hashed into 4,096 out-of-vocabulary ids (`oov_buckets`), the same
word always to the same id.

Rows, all in one run:
- TF-IDF cosine (scikit-learn) and BM25 (rank-bm25's BM25Okapi), in the `retrieval`
  virtualenv of benchmarks/envs.py: they index the candidates of the split they are
  scored on (their document statistics come from the collection they search, as a
  search engine's do) and use every token of it, also tokens never seen in training;
  their settings are chosen on validation (`benchmarks/peers/lexical_retrieval.py`).
- keras_o2v, `training_objective=retrieval` (in-batch negatives, cosine / 0.1), a
  512-d `pooled_embedding` tower over one token table shared by both sides
  (`tied_token_embedding_weight`), trained by `keras_o2v.train` (Adam 0.002, batch
  512) with early stopping on `validation:hits_at_10` (`ranking_max_candidates` below
  the validation size, so that a validation query is ranked among the validation
  documents only, as in the task):
  - `given pairs`: the pairs a user would cut by hand: one (window, rest of the
    document) pair per training document (`cut_pairs(mode="rest", per_document=1)`),
    mean pooling (SageMaker's);
  - `+ sif pooling`: the same pairs, `enc0_pooling=sif` (chosen over `idf` on
    validation);
  - `+ self-supervised pairs`: every window of every training document against the
    rest of its document (`cut_pairs(mode="rest")`, windows tiling each document),
    sif pooling.

How these settings were chosen (on the R8 validation split) is in
benchmarks/RESULTS.md; R52 uses the same ones.

Usage:
    python benchmarks/reuters_retrieval.py                      # R8, every row
    python benchmarks/reuters_retrieval.py --dataset r52
    python benchmarks/reuters_retrieval.py --rows self --set retrieval_temperature=0.05
    python benchmarks/reuters_retrieval.py --quick              # tiny synthetic corpus, no peers
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import keras_o2v  # noqa: E402
from keras_o2v import datasets  # noqa: E402
from keras_o2v.evaluation import (  # noqa: E402
    count_above_and_tied,
    realistic_ranks,
    summarize_ranks,
)

HERE = os.path.dirname(os.path.abspath(__file__))
ROWS = ("tfidf", "bm25", "given", "given+weighted", "self")
ROW_NAMES = {"tfidf": "TF-IDF cosine (scikit-learn)", "bm25": "BM25 (rank-bm25 BM25Okapi)",
             "given": "keras_o2v, given pairs (1 per document), mean pooling",
             "given+weighted": "keras_o2v, given pairs, + {pooling} pooling",
             "self": "keras_o2v, + self-supervised pairs (every window), {pooling} pooling"}
FULL = {"query_window": 10, "train_window": 10, "train_stride": None, "validation_fraction": 0.25,
        "min_count": 1, "oov_buckets": 4096, "weighted_pooling": "sif"}
# keras_o2v hyperparameters of every keras_o2v row (SageMaker names + extensions).
HYPERPARAMETERS = {
    "enc0_network": "pooled_embedding", "enc0_token_embedding_dim": 512,
    "enc1_max_seq_len": 400, "tied_token_embedding_weight": True,
    "training_objective": "retrieval", "retrieval_temperature": 0.1,
    "optimizer": "adam", "learning_rate": 0.002, "mini_batch_size": 512, "epochs": 20,
    "early_stopping_metric": "validation:hits_at_10", "early_stopping_patience": 2,
    "early_stopping_tolerance": 0.001, "ranking_max_candidates": 100,
}
QUICK = {**FULL, "query_window": 4, "train_window": 4}
QUICK_HYPERPARAMETERS = {**HYPERPARAMETERS, "enc0_token_embedding_dim": 16, "epochs": 2,
                         "mini_batch_size": 32, "enc1_max_seq_len": 40}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=("r8", "r52"), default="r8")
    parser.add_argument("--rows", default=",".join(ROWS), help="comma-separated rows to run")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a keras_o2v hyperparameter (or a setting of FULL)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny synthetic corpus, no peers, 2 epochs (a smoke test)")
    parser.add_argument("--peers", choices=("run", "none"), default="run")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split and the cuts")
    parser.add_argument("--model-seed", type=int, default=None,
                        help="seed of keras_o2v's initialisation and shuffling (default: --seed)")
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--json", default=None, help="also write the rows to this JSON file")
    parser.add_argument("--search", action="store_true",
                        help="rerun the validation-only comparison of settings (SEARCH)")
    args = parser.parse_args(argv)
    settings = dict(QUICK if args.quick else FULL)
    hyperparameters = dict(QUICK_HYPERPARAMETERS if args.quick else HYPERPARAMETERS)
    for item in args.set:
        name, _, value = item.partition("=")
        (settings if name in settings else hyperparameters)[name] = _number(value)
    work = args.work_dir or tempfile.mkdtemp(prefix="o2v-reuters-retrieval-")
    os.makedirs(work, exist_ok=True)

    corpus = synthetic_corpus(args.seed) if args.quick else load_corpus(args.dataset)
    if args.search:
        return search(corpus, settings, hyperparameters, work, args.seed, args.quick)
    split = prepare(corpus, settings, work, args.seed)
    print("settings: " + json.dumps({"dataset": "synthetic" if args.quick else args.dataset,
                                     **settings, **split["sizes"]}), flush=True)
    wanted = args.rows.split(",")
    rows = []
    peers = [name for name in ("tfidf", "bm25") if name in wanted]
    if peers:
        rows.extend(run_peers(split, work, peers, skip=args.quick or args.peers == "none"))
    for name in ("given", "given+weighted", "self"):
        if name in wanted:
            model_seed = args.seed if args.model_seed is None else args.model_seed
            rows.append(run_o2v(name, hyperparameters, split, work, model_seed))
            if args.json:  # after every row, so a cut-short run keeps what it measured
                _write_json(args.json, rows)
    print_table(rows)
    if args.json:
        _write_json(args.json, rows)
    return rows


# === Data ===
def load_corpus(dataset):
    data = getattr(datasets, f"reuters_{dataset}")()
    return {"train": list(data.train_texts), "test": list(data.test_texts)}


def synthetic_corpus(seed, topics=6, per_topic=20, test_per_topic=6, length=30):
    """Documents mixing a per-topic word list with common words (no network needed)."""
    rng = np.random.default_rng(seed)
    words = [[f"t{topic}w{k}" for k in range(10)] for topic in range(topics)]
    common = [f"c{k}" for k in range(20)]

    def documents(count):
        return [" ".join(str(rng.choice(words[topic])) if rng.random() < 0.6
                         else str(rng.choice(common))
                         for _ in range(int(rng.integers(length // 3, length))))
                for topic in range(topics) for _ in range(count)]
    return {"train": documents(per_topic), "test": documents(test_per_topic)}


def prepare(corpus, settings, work, seed):
    """Corpus files, the keras_o2v pairs and the peers' token lists of every split."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(corpus["train"]))
    held_out = int(round(settings["validation_fraction"] * len(order)))
    texts = {"fit": [corpus["train"][i] for i in np.sort(order[held_out:])],
             "validation": [corpus["train"][i] for i in np.sort(order[:held_out])],
             "test": corpus["test"]}
    files = {}
    for name, documents in texts.items():
        files[name] = os.path.join(work, f"{name}.txt")
        with open(files[name], "w", encoding="utf-8") as out:
            out.writelines(" ".join(text.split()) + "\n" for text in documents)
    vocab = os.path.join(work, "vocab.json")

    def cut(name, source, per_document, window, offset, vocab_path=vocab, maps="reuse",
            oov_buckets=settings["oov_buckets"], stride=None):
        return keras_o2v.cut_pairs(
            files[source], os.path.join(work, f"{name}.jsonl"), vocab_path=vocab_path,
            mode="rest", window=window, per_document=per_document, seed=seed + offset,
            min_count=settings["min_count"], maps=maps, pattern="alphanumeric",
            oov_buckets=oov_buckets, stride=stride)

    reports = {"given": cut("given", "fit", 1, settings["query_window"], 0, maps="rebuild"),
               "self": cut("self", "fit", None, settings["train_window"], 1,
                           stride=settings["train_stride"])}
    tasks = {}
    for offset, name in ((2, "validation"), (3, "test")):
        reports[name] = cut(name, name, 1, settings["query_window"], offset)
        # The peers read tokens: the same cuts (the same seed and lengths), with a
        # vocabulary of the split's own tokens, decoded back to words.
        own = os.path.join(work, f"{name}.own-vocab.json")
        cut(f"{name}.own", name, 1, settings["query_window"], offset, vocab_path=own,
            maps="rebuild", oov_buckets=0)
        words = {i: w for w, i in json.loads(open(own, encoding="utf-8").read()).items()}
        records = _read_jsonl(os.path.join(work, f"{name}.own.jsonl"))
        tasks[name] = {"queries": [[words[i] for i in r["in0"]] for r in records],
                       "candidates": [[words[i] for i in r["in1"]] for r in records]}
    vocab_size = reports["given"].vocab_size
    sizes = {"vocab_size": vocab_size, "documents": {k: len(v) for k, v in texts.items()},
             "queries": {k: reports[k].pairs for k in ("validation", "test")},
             "pairs": {k: reports[k].pairs for k in ("given", "self")},
             "too_short": {k: reports[k].short_documents + reports[k].empty_documents
                           for k in ("validation", "test")}}
    return {"work": work, "tasks": tasks, "sizes": sizes, "vocab_size": vocab_size,
            "settings": settings,
            "pairs": {k: os.path.join(work, f"{k}.jsonl")
                      for k in ("given", "self", "validation", "test")}}


def _read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


# === Metrics ===
def ranking(scores):
    """hits@1, hits@10, MRR, mean rank of the diagonal of a [queries, candidates] matrix."""
    scores = np.asarray(scores, np.float32)
    greater, equal = count_above_and_tied(scores, np.diag(scores),
                                          removed=np.eye(len(scores), dtype=bool))
    metrics = summarize_ranks(realistic_ranks(greater, equal), ks=(1, 10))
    return {name: round(float(value), 4) for name, value in metrics.items()}


# === Rows ===
def run_peers(split, work, names, skip=False):
    if skip:
        return [{"model": ROW_NAMES[name], "notes": "skipped (--quick or --peers none)"}
                for name in names]
    sys.path.insert(0, HERE)
    import envs

    python = envs.python_for("retrieval")
    task = os.path.join(work, "lexical_task.json")
    with open(task, "w", encoding="utf-8") as out:
        json.dump(split["tasks"], out)
    print("running TF-IDF and BM25 (retrieval env)", flush=True)
    done = subprocess.run([python, os.path.join(HERE, "peers", "lexical_retrieval.py"), task, work],
                          capture_output=True, text=True, check=True)
    found = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            result = json.loads(line)
            found[result["peer"]] = result
    rows = []
    for name in names:
        result = found[name]
        test = ranking(np.load(os.path.join(work, f"{name}.npy")))
        rows.append({"model": ROW_NAMES[name], **test, "train_s": None,
                     "validation": result["validation"], "settings": result["settings"],
                     "search_s": result["search_s"], "test_scoring_s": result["test_s"],
                     "notes": ", ".join(f"{k}={v}" for k, v in result["settings"].items())
                     + " (best on validation)"})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def run_o2v(name, overrides, split, work, seed):
    windows = (split["settings"]["query_window"], split["settings"]["train_window"])
    values = {"enc0_max_seq_len": max(windows), **overrides,
              "enc0_vocab_size": split["vocab_size"]}
    if name != "given":
        values.setdefault("enc0_pooling", split["settings"]["weighted_pooling"])
    title = ROW_NAMES[name].format(pooling=values.get("enc0_pooling", "mean"))
    train = split["pairs"]["self" if name == "self" else "given"]
    print(f"running {title}: {json.dumps(values)}", flush=True)
    start = time.perf_counter()
    result = keras_o2v.train(values, train=train, validation=split["pairs"]["validation"],
                             model_dir=os.path.join(work, f"model-{name}"), seed=seed,
                             resume=False, verbose=0)
    train_s = time.perf_counter() - start
    model = result.model
    measured = {}
    for task in ("validation", "test"):
        records = _read_jsonl(split["pairs"][task])
        queries = model.embed(in0=[r["in0"] for r in records])
        candidates = model.embed(in1=[r["in1"] for r in records])
        measured[task] = ranking(model.score_embeddings(queries, candidates).numpy())
    epochs = len(result.history)
    row = {"model": title, **measured["test"], "train_s": round(train_s, 1),
           "validation": measured["validation"], "best_epoch": result.best_epoch,
           "epochs_run": epochs, "hyperparameters": values,
           "notes": f"{_pairs_note(split, name)}; best epoch {result.best_epoch} of {epochs}"}
    print(json.dumps(row), flush=True)
    return row


def _pairs_note(split, name):
    pairs = split["sizes"]["pairs"]["self" if name == "self" else "given"]
    return f"{pairs:,} training pairs"


# === Validation-only comparison of settings ===
# (label, changes to FULL, changes to HYPERPARAMETERS, pairs, epochs): each is trained
# with `Object2Vec.fit` and scored on the validation split after every epoch; the
# table keeps its best epoch. "BUCKETS" is the base of the rows after it.
BASE = {"enc0_token_embedding_dim": 256, "retrieval_temperature": 0.05, "enc0_pooling": "idf"}
BUCKETS = {**BASE, "enc0_pooling": "sif"}
SEARCH = [
    ("256-d table, idf, temperature 0.05, <unk> for unseen words", {"oov_buckets": 0}, BASE,
     "self", 3),
    ("512-d table", {"oov_buckets": 0}, {**BASE, "enc0_token_embedding_dim": 512}, "self", 3),
    ("batch 2048", {"oov_buckets": 0}, {**BASE, "mini_batch_size": 2048}, "self", 3),
    ("temperature 0.02", {"oov_buckets": 0}, {**BASE, "retrieval_temperature": 0.02}, "self", 3),
    ("sif pooling", {"oov_buckets": 0}, {**BASE, "enc0_pooling": "sif"}, "self", 3),
    ("mean pooling", {"oov_buckets": 0}, {**BASE, "enc0_pooling": "mean"}, "self", 3),
    ("sif, 4,096 out-of-vocabulary buckets", {}, BUCKETS, "self", 3),
    ("+ learning rate 0.001", {}, {**BUCKETS, "learning_rate": 0.001}, "self", 3),
    ("+ learning rate 0.004", {}, {**BUCKETS, "learning_rate": 0.004}, "self", 3),
    ("+ temperature 0.1", {}, {**BUCKETS, "retrieval_temperature": 0.1}, "self", 3),
    ("+ temperature 0.2", {}, {**BUCKETS, "retrieval_temperature": 0.2}, "self", 3),
    ("+ temperature 0.1, batch 1024, learning rate 0.004", {},
     {**BUCKETS, "retrieval_temperature": 0.1, "mini_batch_size": 1024, "learning_rate": 0.004},
     "self", 3),
    ("+ temperature 0.1, windows every 5 tokens", {"train_stride": 5},
     {**BUCKETS, "retrieval_temperature": 0.1}, "self", 3),
    ("+ temperature 0.1, GloVe 6B 100-d, fine-tuned", {},
     {**BUCKETS, "retrieval_temperature": 0.1, "enc0_token_embedding_dim": 100, "glove": True},
     "self", 3),
    ("+ temperature 0.1, random 100-d table", {},
     {**BUCKETS, "retrieval_temperature": 0.1, "enc0_token_embedding_dim": 100}, "self", 3),
    ("+ temperature 0.1, 512-d table (the benchmark's setting)", {}, {}, "self", 3),
    ("the same with mean pooling", {}, {"enc0_pooling": "mean"}, "self", 3),
    ("the same with idf pooling", {}, {"enc0_pooling": "idf"}, "self", 3),
    ("given pairs, mean pooling (256-d, buckets)", {}, {**BUCKETS, "enc0_pooling": "mean"},
     "given", 6),
    ("given pairs, idf pooling", {}, {**BUCKETS, "enc0_pooling": "idf"}, "given", 6),
    ("given pairs, sif pooling", {}, BUCKETS, "given", 6),
]


def search(corpus, settings, hyperparameters, work, seed, quick=False):
    """Runs `SEARCH` on the validation split; prints and returns its rows."""
    import keras

    from keras_o2v.pretrained import initialise_token_tables

    splits, rows = {}, []
    for label, setting_changes, changes, pairs, epochs in (SEARCH[:2] if quick else SEARCH):
        data = {**settings, **setting_changes}
        key = json.dumps(data, sort_keys=True)
        if key not in splits:
            folder = os.path.join(work, f"search-{len(splits)}")
            os.makedirs(folder, exist_ok=True)
            splits[key] = prepare(corpus, data, folder, seed)
        split = splits[key]
        values = {**hyperparameters, **changes, "enc0_vocab_size": split["vocab_size"],
                  "enc0_max_seq_len": max(data["query_window"], data["train_window"])}
        values.setdefault("enc0_pooling", data["weighted_pooling"])
        glove = values.pop("glove", False)
        if glove:
            values.update(enc0_vocab_file="vocab.json", enc0_pretrained_embedding_file="glove.txt",
                          enc0_freeze_pretrained_embedding=False)
        if quick:
            values.update(QUICK_HYPERPARAMETERS)
        hp = keras_o2v.Hyperparameters.from_dict(
            {k: v for k, v in values.items() if k not in ("epochs",)})
        keras.utils.set_random_seed(seed)
        model = keras_o2v.Object2Vec(hp)
        if glove:
            initialise_token_tables(model, _glove_auxiliary(split))
        train = split["pairs"][pairs]
        model.adapt(train)
        model.compile()
        data_set = keras_o2v.make_dataset(train, hp, seed=seed)
        records = _read_jsonl(split["pairs"]["validation"])
        start, best = time.perf_counter(), None
        for epoch in range(1 if quick else epochs):
            model.fit(data_set, epochs=1, verbose=0)
            scores = model.score_embeddings(model.embed(in0=[r["in0"] for r in records]),
                                            model.embed(in1=[r["in1"] for r in records]))
            metrics = ranking(scores.numpy())
            if best is None or metrics["hits_at_10"] > best[1]["hits_at_10"]:
                best = (epoch, metrics)
        row = {"setting": label, "epoch": best[0], **best[1], "pairs": pairs,
               "fit_s": round(time.perf_counter() - start, 1)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    print("\n| setting | validation hits@10 | mean rank | best epoch |\n|---|---|---|---|")
    for row in rows:
        print(f"| {row['setting']} | {row['hits_at_10']:.3f} | {row['mean_rank']:.1f} | "
              f"{row['epoch']} |")
    return rows


def _glove_auxiliary(split):
    """vocab.json and GloVe 6B 100-d trimmed to the vocabulary, in an auxiliary folder."""
    folder = os.path.join(split["work"], "auxiliary")
    if not os.path.exists(os.path.join(folder, "glove.txt")):
        os.makedirs(folder, exist_ok=True)
        vectors = datasets.glove_6b_100d()
        vocab = json.loads(open(os.path.join(split["work"], "vocab.json"), encoding="utf-8").read())
        index = {word: row for row, word in enumerate(vectors.words)}
        with open(os.path.join(folder, "glove.txt"), "w", encoding="utf-8") as out:
            for word in vocab:
                if word in index:
                    vector = vectors.vectors[index[word]]
                    out.write(word + " " + " ".join(f"{v:.6g}" for v in vector) + "\n")
        with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as out:
            json.dump(vocab, out)
    return folder


def print_table(rows):
    print()
    print("| model | hits@1 | hits@10 | MRR | mean rank | train time (s) | notes |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        cells = [row["model"]]
        for key, fmt in (("hits_at_1", "{:.3f}"), ("hits_at_10", "{:.3f}"), ("mrr", "{:.3f}"),
                         ("mean_rank", "{:.1f}"), ("train_s", "{:.0f}")):
            value = row.get(key)
            cells.append("–" if value is None else fmt.format(value))
        cells.append(row.get("notes", ""))
        print("| " + " | ".join(cells) + " |")


def _number(text):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def _write_json(path, rows):
    with open(path, "w", encoding="utf-8") as out:
        json.dump(rows, out, indent=1)


if __name__ == "__main__":
    main()

"""Benchmark: 20 Newsgroups topic classification as (document, label-token) pairs.

Object2Vec casts classification as pair scoring: `in0` is the document's token ids,
`in1` a single label token (label k is id k + 1). It trains on the positive pairs only,
with `negative_sampling_rate` re-paired negatives per positive each epoch (the library
pairs a document with the label token of another random training record, so about 1 in
20 "negatives" is in fact the true label, as in SageMaker's re-pairing). The rate is 1
(balanced pairs) to keep an epoch affordable on 2 CPU cores; at most 10 epochs, early
stopping with patience 2. A test document
is classified by scoring it against all 20 label tokens and taking the label with the
highest P(positive). Both encoders are run once per document / label and the comparator
and MLP head are applied to every (document, label) combination.

Rows, all in the same process run, one after another:
- TF-IDF (sublinear tf, unigrams, min_df=2) + LinearSVC (C=1), scikit-learn;
- keras_o2v with enc0 = pooled_embedding (a fastText-like mean of token vectors), hcnn
  and bilstm, each with a randomly initialised token table
  and with GloVe 6B 100-d vectors (fine-tuned: `enc0_freeze_pretrained_embedding=false`);
  enc1 = a single-token (`pooled_embedding`) label table, 128-d (100-d beside a pooled
  enc0, whose width is its token width); comparator = SageMaker's
  default; MLP 1 x 256 ReLU; softmax over {negative, positive}.

Split: the by-date train/test split of `keras_o2v.datasets.newsgroups20()`; 10% of the
train documents (seed 0) are held out as validation (fixed negatives: 3 wrong labels
per document) for early stopping; every model, the SVM included, is fitted on the
remaining 90%. Each keras_o2v row also reports its validation accuracy: the validation
posts classified exactly as the test posts are, the figure to compare settings on.
Vocabulary: train-portion tokens seen at least twice, at most 30,000.

GloVe goes in through the SageMaker hyperparameters (`enc0_pretrained_embedding_file`,
`enc0_vocab_file` in the auxiliary folder, with a GloVe file trimmed to the vocabulary).

Usage:
    python benchmarks/newsgroups.py            # full run, prints settings and the table
    python benchmarks/newsgroups.py --quick    # smoke run on tiny synthetic data (no network)
    python benchmarks/newsgroups.py --only hcnn,svm
    python benchmarks/newsgroups.py --only bilstm,bilstm+glove --epochs 4
    python benchmarks/newsgroups.py --only hcnn,hcnn+glove --enc-dim 512
    python benchmarks/newsgroups.py --only hcnn,hcnn+glove --dropout 0
    python benchmarks/newsgroups.py --only pooled --learning-rate 0.005
"""

import argparse
import json
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import keras_o2v.text  # noqa: E402
from keras_o2v import datasets, preprocessing  # noqa: E402

NUM_LABELS = 20
FULL = {
    "max_seq_len": 200, "enc_dim": 128, "token_dim": 100, "negative_sampling_rate": 1,
    "epochs": 10, "early_stopping_patience": 2, "mini_batch_size": 128,
    "learning_rate": 0.002, "dropout": 0.2,
    "max_vocab": 30000, "validation_fraction": 0.1,
}
ROWS = ("svm", "pooled", "pooled+glove", "hcnn", "hcnn+glove", "bilstm", "bilstm+glove")
NETWORKS = {"pooled": "pooled_embedding"}
QUICK = {**FULL, "max_seq_len": 30, "enc_dim": 16, "token_dim": 8, "epochs": 1,
         "max_vocab": 500}


def hyperparameters(settings, network, vocab_size, glove):
    """The SageMaker-style hyperparameter map of one keras_o2v row."""
    hp = {
        "enc0_network": network, "enc0_max_seq_len": settings["max_seq_len"],
        "enc0_vocab_size": vocab_size, "enc0_token_embedding_dim": settings["token_dim"],
        "enc1_network": "pooled_embedding", "enc1_max_seq_len": 1,
        "enc1_vocab_size": NUM_LABELS + 1,
        # pooled_embedding outputs its token width, so the label table must match it
        "enc1_token_embedding_dim": settings["token_dim"] if network == "pooled_embedding"
        else settings["enc_dim"],
        "enc_dim": settings["enc_dim"], "mlp_layers": 1, "mlp_dim": 256,
        "mlp_activation": "relu", "output_layer": "softmax", "num_classes": 2,
        "negative_sampling_rate": settings["negative_sampling_rate"],
        "optimizer": "adam", "learning_rate": settings["learning_rate"],
        "mini_batch_size": settings["mini_batch_size"], "epochs": settings["epochs"],
        "dropout": settings["dropout"], "early_stopping_patience": settings["early_stopping_patience"],
        "early_stopping_tolerance": 0.001,
    }
    if glove:
        hp.update({"enc0_pretrained_embedding_file": "glove.trim.100d.txt",
                   "enc0_vocab_file": "vocab.json",
                   "enc0_freeze_pretrained_embedding": "false"})
    return {key: str(value) for key, value in hp.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny synthetic corpus and vectors, 1 epoch (no network)")
    parser.add_argument("--only", default=",".join(ROWS),
                        help="comma-separated rows to run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--json", default=None, help="also write the rows to this JSON file")
    parser.add_argument("--epochs", type=int, default=None,
                        help="override the epoch limit of the keras_o2v rows")
    parser.add_argument("--enc-dim", type=int, default=None,
                        help="override enc_dim (hcnn/bilstm width and the label table's)")
    parser.add_argument("--dropout", type=float, default=None,
                        help="override the dropout of the keras_o2v rows")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help="override the learning rate of the keras_o2v rows")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.epochs is not None:
        settings = {**settings, "epochs": args.epochs}
    if args.enc_dim is not None:
        settings = {**settings, "enc_dim": args.enc_dim}
    if args.dropout is not None:
        settings = {**settings, "dropout": args.dropout}
    if args.learning_rate is not None:
        settings = {**settings, "learning_rate": args.learning_rate}
    work = args.work_dir or tempfile.mkdtemp(prefix="o2v-newsgroups-")
    os.makedirs(work, exist_ok=True)

    data = synthetic_corpus(args.seed, settings["token_dim"]) if args.quick else load_corpus()
    split = prepare(data, settings, work, args.quick, args.seed)
    print("settings: " + json.dumps({**settings,
                                     "glove_words_found": split["glove_found"],
                                     "vocab_size": split["vocab_size"],
                                     "train_docs": len(split["train_docs"]),
                                     "validation_docs": len(split["validation_docs"]),
                                     "test_docs": len(split["test_docs"])}), flush=True)

    rows = []
    wanted = args.only.split(",")
    if "svm" in wanted:
        rows.append(run_svm(split))
    for name in ROWS[1:]:
        if name in wanted:
            network, _, glove = name.partition("+")
            network = NETWORKS.get(network, network)
            rows.append(run_o2v(name, hyperparameters(settings, network, split["vocab_size"],
                                                      bool(glove)), split, work, args.seed))
            if args.json:  # after every row, so a cut-short run keeps what it measured
                with open(args.json, "w") as out:
                    json.dump(rows, out, indent=1)
    print_table(rows)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=1)
    return rows


# === Data ===
def load_corpus():
    news = datasets.newsgroups20()
    return {"train_texts": news.train_texts, "train_labels": np.asarray(news.train_labels),
            "test_texts": news.test_texts, "test_labels": np.asarray(news.test_labels),
            "vectors": lambda: datasets.glove_6b_100d()}


def synthetic_corpus(seed, dim, per_label=12, test_per_label=4, length=25):
    """Documents whose words are drawn mostly from a per-label word list, plus noise;
    random `dim`-d stand-ins for the GloVe vectors."""
    rng = np.random.default_rng(seed)
    topic_words = [[f"w{label}x{k}" for k in range(8)] for label in range(NUM_LABELS)]
    common = [f"common{k}" for k in range(30)]

    def documents(count):
        texts, labels = [], []
        for label in range(NUM_LABELS):
            for _ in range(count):
                words = [str(rng.choice(topic_words[label])) if rng.random() < 0.4 else
                         str(rng.choice(common)) for _ in range(length)]
                texts.append(" ".join(words))
                labels.append(label)
        return texts, np.array(labels)

    train_texts, train_labels = documents(per_label)
    test_texts, test_labels = documents(test_per_label)
    words = sorted({w for t in train_texts for w in t.split()})
    vectors = rng.normal(0, 0.3, size=(len(words), dim)).astype(np.float32)

    def fake_vectors():
        path = os.path.join(tempfile.mkdtemp(prefix="o2v-fake-glove-"), "vectors.txt")
        write_glove(path, words, vectors)
        return datasets.WordVectors(path, words, vectors, "synthetic")
    return {"train_texts": train_texts, "train_labels": train_labels,
            "test_texts": test_texts, "test_labels": test_labels, "vectors": fake_vectors}


def prepare(data, settings, work, quick, seed):
    rng = np.random.default_rng(seed)
    count = len(data["train_texts"])
    order = rng.permutation(count)
    num_validation = int(round(settings["validation_fraction"] * count))
    validation_rows, train_rows = np.sort(order[:num_validation]), np.sort(order[num_validation:])
    train_texts = [data["train_texts"][i] for i in train_rows]
    text_layer = keras_o2v.text.TextPreprocessor(pattern="alphanumeric")  # the model's text layer
    text_layer.adapt(train_texts, min_count=1 if quick else 2, max_size=settings["max_vocab"])
    vocab = text_layer.get_vocabulary()
    limit = settings["max_seq_len"]

    def encode(texts):
        # an empty post becomes one <unk>
        return [ids or [vocab[preprocessing.UNK]] for ids in text_layer.id_lists(texts, max_length=limit)]

    train_docs = encode(train_texts)
    train_labels = data["train_labels"][train_rows]
    validation_docs = encode([data["train_texts"][i] for i in validation_rows])
    validation_labels = data["train_labels"][validation_rows]
    test_docs = encode(data["test_texts"])

    files = {name: os.path.join(work, f"{name}.jsonl") for name in ("train", "validation")}
    datasets.write_jsonl(({"label": 1, "in0": doc, "in1": [int(label) + 1]}
                          for doc, label in zip(train_docs, train_labels)), files["train"])
    datasets.write_jsonl(datasets.documents_to_label_records(
        validation_docs, validation_labels, NUM_LABELS, negatives=3, seed=seed),
        files["validation"])

    # Auxiliary channel: the vocabulary and a GloVe file trimmed to it (as SageMaker's
    # notebooks do), so the job reads a few MB instead of the whole file.
    auxiliary = os.path.join(work, "auxiliary")
    os.makedirs(auxiliary, exist_ok=True)
    with open(os.path.join(auxiliary, "vocab.json"), "w") as out:
        json.dump(vocab, out)
    vectors = data["vectors"]()
    index = {word: row for row, word in enumerate(vectors.words)}
    kept = [w for w in vocab if w in index]
    write_glove(os.path.join(auxiliary, "glove.trim.100d.txt"), kept,
                vectors.vectors[[index[w] for w in kept]])
    return {"files": files, "auxiliary": auxiliary, "vocab_size": len(vocab),
            "train_docs": train_docs, "train_texts": train_texts, "train_labels": train_labels,
            "validation_docs": validation_docs, "validation_labels": np.asarray(validation_labels),
            "test_docs": test_docs, "test_texts": list(data["test_texts"]),
            "test_labels": np.asarray(data["test_labels"]), "glove_found": len(kept)}


def write_glove(path, words, vectors):
    with open(path, "w", encoding="utf-8") as out:
        for word, vector in zip(words, vectors):
            out.write(word + " " + " ".join(f"{v:.6g}" for v in vector) + "\n")


# === Rows ===
def run_svm(split):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    print("running TF-IDF + LinearSVC", flush=True)
    start = time.perf_counter()
    vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=2, token_pattern=r"[a-z0-9]+(?:'[a-z]+)?")
    features = vectorizer.fit_transform(split["train_texts"])
    classifier = LinearSVC(C=1.0).fit(features, split["train_labels"])
    fit_s = time.perf_counter() - start
    predicted = classifier.predict(vectorizer.transform(split["test_texts"]))
    accuracy = float(np.mean(predicted == split["test_labels"]))
    return {"model": "TF-IDF + LinearSVC (scikit-learn)", "test_accuracy": accuracy,
            "fit_s": fit_s, "notes": f"{features.shape[1]} features, full documents"}


def run_o2v(name, hp, split, work, seed):
    import keras_o2v

    model_dir = tempfile.mkdtemp(prefix=f"o2v-{name}-", dir=work)
    print(f"running keras_o2v {name}: {json.dumps(hp, sort_keys=True)}", flush=True)
    start = time.perf_counter()
    result = keras_o2v.train(hp, train=split["files"]["train"],
                             validation=split["files"]["validation"],
                             auxiliary=split["auxiliary"], model_dir=model_dir, seed=seed,
                             verbose=0)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    accuracy = label_accuracy(result.model, split["test_docs"], split["test_labels"])
    predict_s = time.perf_counter() - start
    validation_accuracy = label_accuracy(result.model, split["validation_docs"],
                                         split["validation_labels"])
    best = result.history[result.best_epoch]
    row = {"model": f"keras_o2v {name}", "test_accuracy": accuracy, "fit_s": fit_s,
           "validation_accuracy": validation_accuracy, "dropout": float(hp["dropout"]),
           "notes": f"dropout {hp['dropout']}; best epoch {result.best_epoch} of "
                    f"{len(result.history)}; validation accuracy {validation_accuracy:.4f} "
                    f"(pair accuracy {best['validation:accuracy']:.4f}); scoring 20 labels "
                    f"took {predict_s:.0f}s"}
    print(f"  -> {row}", flush=True)
    return row


def label_accuracy(model, documents, labels):
    """Share of `documents` whose best-scoring label token is the true label."""
    return float(np.mean(np.argmax(label_scores(model, documents), axis=1) == labels))


def label_scores(model, documents, batch_size=512):
    """P(positive) of every (document, label) pair, `[len(documents), 20]`.

    Each encoder runs once per object (documents via `embed(in0=)`, the 20 label
    tokens via `embed(in1=)`); the comparator, MLP and output layer - the rest of the
    model, with dropout off - then score every combination.
    """
    hp = model.hyperparameters
    head = [model.get_layer(f"mlp_fc{i}") for i in range(hp.mlp_layers)]
    head.append(model.get_layer("output_layer"))
    comparator = model.get_layer("comparator")
    documents_embedded = model.embed(in0=documents, batch_size=batch_size)
    labels_embedded = model.embed(in1=[[k + 1] for k in range(NUM_LABELS)])
    columns = []
    for k in range(NUM_LABELS):
        label = np.broadcast_to(labels_embedded[k], documents_embedded.shape)
        x = comparator([documents_embedded, label])
        for layer in head:
            x = layer(x)
        columns.append(np.asarray(x)[:, 1])
    return np.stack(columns, axis=1)


def print_table(rows):
    print("\n| model | test accuracy | fit time (s) | notes |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row['model']} | {row['test_accuracy']:.4f} | {row['fit_s']:.1f} | "
              f"{row['notes']} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

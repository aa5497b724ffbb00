"""Peer rows of `benchmarks/sentence_similarity.py`, on GloVe 6B 100-d and the shared tokenizer.

Each function is a recipe `recipe(context, task) -> system or None` (see
`benchmarks/sentence_evaluation.py`):
- `averaged_glove`: the mean of the sentence's GloVe vectors (words GloVe lacks are left
  out; a sentence with none is the zero vector); cosine.
- `sif`: Arora, Liang and Ma (2017), "A simple but tough-to-beat baseline for sentence
  embeddings": the average weighted by a/(a + p(w)), a = 1e-3, then the projection on
  the first principal component (uncentred, as their code does) removed; the component
  is fitted on the task's train sentences. p(w) is chosen on dev from: `train`, the word
  frequencies of the train sentences of STS-B and SICK together (distinct sentences;
  a word they lack gets p = 0, weight 1), or `zipf`, Zipf's law on GloVe's rank (its
  file is ordered by frequency): p(rank r) = 1 / ((r + 1) H_V) over its V words.
- `tfidf`: scikit-learn's `TfidfVectorizer` on the shared tokens, fitted on the train
  sentences of both sets; `sublinear_tf` and word n-grams (1, or 1-2) chosen on dev; cosine.
- `senteval_style`: SentEval's transfer protocol (Conneau and Kiela 2018) on averaged
  GloVe: features [|u - v|, u * v], standardised on train; ridge regression for STS-B and
  SICK-R (alpha chosen on dev), logistic regression for SICK-E (C chosen on dev).
- `majority`: SICK-E's most frequent train class.

Example:
>>> system = sif(context, "sts-b")  # doctest: +SKIP
>>> system.settings["frequencies"]  # doctest: +SKIP
'train'
"""

import collections

import numpy as np
import scipy.sparse
from sentence_evaluation import TASKS, best_on_dev

SIF_A = 1e-3
SIF_FREQUENCIES = ("train", "zipf")
TFIDF_GRID = [{"sublinear_tf": sublinear, "ngrams": n} for n in (1, 2) for sublinear in (False, True)]
RIDGE_ALPHAS = (0.1, 1.0, 10.0, 100.0, 1000.0, 3000.0, 10000.0, 30000.0, 100000.0)
LOGISTIC_CS = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0)


# === Word averages ===
class WordAverage:
    """Sentence embedding: the (weighted) mean of its GloVe vectors, less a projection.

    Args:
        context: the benchmark's `Context`.
        weights: optional weight per GloVe row (default 1).
        component: optional unit vector whose projection is removed.
    """

    def __init__(self, context, weights=None, component=None):
        self.context, self.weights, self.component = context, weights, component

    def embed(self, texts):
        vectors = word_bags(self.context, texts, self.weights) @ self.context.glove.vectors
        if self.component is not None:
            vectors -= np.outer(vectors @ self.component, self.component)
        return vectors


def word_bags(context, texts, weights=None):
    """Sparse `[len(texts), glove words]`: row i averages sentence i's known words (weighted)."""
    ids = context.word_ids()
    indptr, indices, values = [0], [], []
    for tokens in context.tokens(texts):
        known = [ids[token] for token in tokens if token in ids]
        indices.extend(known)
        share = weights[known] if weights is not None else np.ones(len(known))
        values.extend(np.asarray(share, np.float64) / max(len(known), 1))
        indptr.append(len(indices))
    return scipy.sparse.csr_matrix((np.asarray(values, np.float32), indices, indptr),
                                   shape=(len(texts), len(context.glove.words)))


def averaged_glove(context, task):
    return WordAverage(context) if TASKS[task] == "score" else None


# === SIF ===
def sif(context, task):
    if TASKS[task] != "score":
        return None

    def build(settings):
        weights = SIF_A / (SIF_A + word_probabilities(context, settings["frequencies"]))
        train = WordAverage(context, weights).embed(context.train_sentences([task]))
        component = np.linalg.svd(train, full_matrices=False)[2][0]
        return WordAverage(context, weights, component)

    return best_on_dev([{"frequencies": source} for source in SIF_FREQUENCIES], build, context, task)


def word_probabilities(context, source):
    """p(w) of every GloVe row, from the train sentences' counts or from Zipf's law on the rank."""
    key = ("word probabilities", source)
    if key not in context.cache:
        size = len(context.glove.words)
        if source == "zipf":
            ranks = np.arange(1, size + 1, dtype=np.float64)
            probabilities = 1.0 / (ranks * np.sum(1.0 / ranks))
        else:
            counts = collections.Counter()
            for tokens in context.tokens(context.train_sentences()):
                counts.update(tokens)
            ids, probabilities = context.word_ids(), np.zeros(size)
            for word, count in counts.items():
                if word in ids:
                    probabilities[ids[word]] = count
            probabilities /= sum(counts.values())
        context.cache[key] = probabilities
    return context.cache[key]


# === TF-IDF ===
class Vectorized:
    def __init__(self, vectorizer):
        self.embed = vectorizer.transform


def tfidf(context, task):
    if TASKS[task] != "score":
        return None
    from sklearn.feature_extraction.text import TfidfVectorizer

    def build(settings):
        key = ("tfidf", settings["sublinear_tf"], settings["ngrams"])
        if key not in context.cache:
            n = settings["ngrams"]

            def analyzer(text):
                tokens = context.tokens([text])[0]
                return tokens + (["\t".join(pair) for pair in zip(tokens, tokens[1:])] if n == 2 else [])

            vectorizer = TfidfVectorizer(analyzer=analyzer, sublinear_tf=settings["sublinear_tf"])
            context.cache[key] = vectorizer.fit(context.train_sentences())
        return Vectorized(context.cache[key])

    return best_on_dev(TFIDF_GRID, build, context, task)


# === SentEval-style supervised ===
class PairClassifier:
    """A scikit-learn model on pair features: `predict_score` or `predict_class`."""

    def __init__(self, features, model, kind):
        self.features, self.model = features, model
        setattr(self, "predict_score" if kind == "score" else "predict_class", self._predict)

    def _predict(self, texts0, texts1):
        return self.model.predict(self.features(texts0, texts1))


def senteval_style(context, task):
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    average = WordAverage(context)

    def features(texts0, texts1):
        u, v = average.embed(texts0), average.embed(texts1)
        return np.hstack([np.abs(u - v), u * v])

    train = context.tasks[task]["train"]
    train_features = features(train.texts0, train.texts1)
    kind = TASKS[task]

    def build(settings):
        if kind == "score":
            model = Ridge(alpha=settings["alpha"])
        else:
            model = LogisticRegression(C=settings["C"], max_iter=5000)
        fitted = make_pipeline(StandardScaler(), model).fit(train_features, train.labels)
        return PairClassifier(features, fitted, kind)

    grid = ([{"alpha": alpha} for alpha in RIDGE_ALPHAS] if kind == "score"
            else [{"C": c} for c in LOGISTIC_CS])
    return best_on_dev(grid, build, context, task)


# === Majority class ===
class Constant:
    def __init__(self, value):
        self.value = value
        self.settings = {"class": int(value)}

    def predict_class(self, texts0, texts1):
        return np.full(len(texts0), self.value)


def majority(context, task):
    if TASKS[task] != "class":
        return None
    labels = context.tasks[task]["train"].labels
    return Constant(int(np.bincount(labels).argmax()))

"""The evaluation shared by every row of `sentence_similarity.py`: tasks, systems, columns.

A row is a recipe: a function `recipe(context, task)` that builds a system for one
task from that task's train (and dev, to choose settings) pairs, or returns `None`
when it does not do that task. A system has any of:
- `embed(texts)`: sentence embeddings, a dense `[n, d]` array or a SciPy sparse matrix
  (cosine protocol: the cosine of the two embeddings is the similarity);
- `predict_score(texts0, texts1)`: a similarity score per pair (score tasks);
- `predict_class(texts0, texts1)`: a class id per pair (class tasks);
and optionally `settings` (a dict: what was chosen on dev, reported with the row).

`evaluate_system` builds the row's systems, times the building ("train seconds") and
computes every column on dev and test. Correlations are ×100; the cosine of an
all-zero embedding (no known word) is 0.

Example:
>>> row = evaluate_system("averaged GloVe", averaged_glove, context)  # doctest: +SKIP
>>> row["test"]["sts-b"]["cosine"]  # doctest: +SKIP
{'pearson': 41.7, 'spearman': 41.7}
"""

import dataclasses
import time
from typing import Callable, Dict, List

import numpy as np
import scipy.sparse
import scipy.stats

# task -> the kind of its labels; every task has train, dev and test pairs.
TASKS = {"sts-b": "score", "sick-r": "score", "sick-e": "class"}
SPLITS = ("dev", "test")


@dataclasses.dataclass
class Context:
    """What every recipe gets.

    Args:
        tasks: `{task: {"train" | "dev" | "test": SentencePairs}}` for the names of `TASKS`.
        glove: a `keras_o2v.datasets.WordVectors` (words most frequent first).
        tokenize: text -> list of tokens (the same for every row).
        cache: shared results of recipes (e.g. fitted vocabularies), keyed by the recipe.
    """

    tasks: Dict[str, Dict[str, object]]
    glove: object
    tokenize: Callable[[str], List[str]]
    cache: Dict[str, object] = dataclasses.field(default_factory=dict)
    _tokens: Dict[str, List[str]] = dataclasses.field(default_factory=dict)
    _word_ids: Dict[str, int] = dataclasses.field(default_factory=dict)

    def tokens(self, texts):
        """The token lists of `texts` (each text tokenized once per context)."""
        out = []
        for text in texts:
            if text not in self._tokens:
                self._tokens[text] = self.tokenize(text)
            out.append(self._tokens[text])
        return out

    def word_ids(self):
        """`{word: row of glove.vectors}`."""
        if not self._word_ids:
            self._word_ids.update((word, k) for k, word in enumerate(self.glove.words))
        return self._word_ids

    def train_sentences(self, tasks=None):
        """The distinct sentences of the train pairs of `tasks` (default: all), in first-seen order."""
        seen = {}
        for task in tasks or self.tasks:
            pairs = self.tasks[task]["train"]
            for text in (*pairs.texts0, *pairs.texts1):
                seen.setdefault(text, None)
        return list(seen)


def evaluate_system(name, recipe, context, tasks=None):
    """Builds `recipe`'s system for each task and scores it on dev and test.

    Args:
        name: the row's name.
        recipe: `recipe(context, task) -> system or None`.
        context: a `Context`.
        tasks: the task names to run (default: all of `context.tasks`).

    Returns:
        `{"system", "train_s", "settings": {task: ...}, "dev": {task: {column: value}},
        "test": {...}}`; columns: `cosine` and `predicted` (`{"pearson", "spearman"}`)
        for score tasks, `accuracy` for class tasks.
    """
    row = {"system": name, "train_s": 0.0, "settings": {}, "dev": {}, "test": {}}
    for task in tasks or context.tasks:
        start = time.perf_counter()
        system = recipe(context, task)
        row["train_s"] += time.perf_counter() - start
        if system is None:
            continue
        row["settings"][task] = getattr(system, "settings", {})
        for split in SPLITS:
            row[split][task] = task_columns(system, context.tasks[task][split], TASKS[task])
    row["train_s"] = round(row["train_s"], 2)
    return row


def task_columns(system, pairs, kind):
    """The columns of one system on one split of one task."""
    columns = {}
    texts = (pairs.texts0, pairs.texts1)
    if kind == "score":
        if hasattr(system, "embed"):
            columns["cosine"] = correlations(pairs.labels, pair_cosines(system, *texts))
        if hasattr(system, "predict_score"):
            columns["predicted"] = correlations(pairs.labels, system.predict_score(*texts))
    elif hasattr(system, "predict_class"):
        columns["accuracy"] = accuracy(pairs.labels, system.predict_class(*texts))
    return columns


def pair_cosines(system, texts0, texts1):
    """Cosine of `system.embed` of each pair's two texts (0 where an embedding is all zero)."""
    return row_cosines(system.embed(texts0), system.embed(texts1))


def row_cosines(a, b):
    """Row-wise cosines of two dense arrays or sparse matrices (0 for an all-zero row)."""
    if scipy.sparse.issparse(a):
        dots = np.asarray(a.multiply(b).sum(axis=1)).ravel()
        norms = np.sqrt(np.asarray(a.multiply(a).sum(axis=1)).ravel()
                        * np.asarray(b.multiply(b).sum(axis=1)).ravel())
    else:
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        dots = np.einsum("ij,ij->i", a, b)
        norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)


def correlations(gold, predicted):
    """Pearson and Spearman ×100 (None where `predicted` is constant)."""
    gold, predicted = np.asarray(gold, np.float64), np.asarray(predicted, np.float64)
    if np.ptp(predicted) == 0:
        return {"pearson": None, "spearman": None}
    return {"pearson": 100 * float(scipy.stats.pearsonr(gold, predicted)[0]),
            "spearman": 100 * float(scipy.stats.spearmanr(gold, predicted)[0])}


def accuracy(gold, predicted):
    """Fraction of pairs whose predicted class is the gold one, ×100."""
    return 100 * float(np.mean(np.asarray(gold) == np.asarray(predicted)))


def dev_score(system, context, task):
    """The figure settings are chosen by, on `task`'s dev split (higher is better).

    Cosine systems: Spearman of the cosines (the figure sentence-embedding papers
    report); score predictors: Pearson (SentEval's criterion); classifiers: accuracy.
    """
    pairs = context.tasks[task]["dev"]
    if TASKS[task] == "class":
        return accuracy(pairs.labels, system.predict_class(pairs.texts0, pairs.texts1))
    if hasattr(system, "predict_score"):
        return correlations(pairs.labels, system.predict_score(pairs.texts0, pairs.texts1))["pearson"] or -100
    return correlations(pairs.labels, pair_cosines(system, pairs.texts0, pairs.texts1))["spearman"] or -100


def best_on_dev(candidates, build, context, task):
    """The system of the candidate settings with the best `dev_score` (the first of equals).

    Its `settings` are the chosen ones, and `dev_grid`: every candidate with its dev score.

    Args:
        candidates: a list of settings dicts.
        build: `build(settings) -> system`.
        context, task: where the dev pairs come from.
    """
    best, best_score, chosen, grid = None, None, None, []
    for settings in candidates:
        system = build(settings)
        score = dev_score(system, context, task)
        grid.append([settings, round(score, 2)])
        if best_score is None or score > best_score:
            best, best_score, chosen = system, score, settings
    best.settings = {**chosen, "dev_grid": grid}
    return best

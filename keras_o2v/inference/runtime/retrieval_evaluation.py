"""Ranking evaluation of a trained model or an export on a pairs channel, without glue code.

`evaluate_retrieval` (and `o2v evaluate-retrieval --model ... --pairs ...`) ranks
each positive pair's `in1` among candidate `in1` objects for its `in0` query with the
channel ranking of the training job's validation and test metrics
(`keras_o2v.evaluation.channel_ranking`): filtered ranking, a query's own object left
out when in0 and in1 share one id space (`exclude_self`), realistic ranks for ties,
`hits_at_k`, `mrr`, `mean_rank`, and `auc` on a channel labelled 0/1.

The model may be a `keras_o2v.Object2Vec` in memory, a `.keras` file, a training
job's `model_dir` (its `model.keras`), a SavedModel version folder, or a model base
path (its latest version). An export is scored through its signatures, as TF
Serving would: `embed_in0`/`embed_in1` and the similarity named in its
`hyperparameters.json` for a retrieval model, `serving_default` on every
(query, candidate) pair for a pair model.

Example:
>>> keras_o2v.evaluate_retrieval("out/", "test.jsonl", known=["train.jsonl"])  # doctest: +SKIP
{'hits_at_1': 0.08, 'hits_at_10': 0.34, ..., 'num_pairs': 20000, 'num_candidates': 1664}
"""

import os

import numpy as np

from keras_o2v.errors import O2VError
from keras_o2v.evaluation import BLOCK_ELEMENTS, ModelScorer, build_ranking_tasks
from keras_o2v.metric_names import RANKING_KS
from keras_o2v.serving_contract import EMBED_SIGNATURES, EMBEDDINGS, INPUT_NAMES, SCORE_SIGNATURE, SCORES


def evaluate_retrieval(model, pairs, known=(), candidates=None, max_candidates=None,
                       filtered=True, ks=RANKING_KS, batch_size=1024, exclude_self=None):
    """Ranking metrics of a model on a pairs channel (in0 queries, in1 candidates).

    Args:
        model: an `Object2Vec`, a `.keras` file, a `model_dir`, a SavedModel version
            folder or a model base path.
        pairs: the pairs channel to rank (file, folder or list); positives are
            records with `label > 0`.
        known: other channels (e.g. train, validation) whose positives are left out
            of a query's candidates (filtered ranking) and whose in1 objects are
            candidates too.
        candidates: optional candidate in1 objects (padded int ids `[n, width]`, or
            one id per row `[n]`) in place of the known channels' in1 objects; the
            channel's own in1 objects are always candidates.
        max_candidates: at most this many candidates (the channel's own objects
            always stay; a seeded sample fills the rest); default: the model's
            `ranking_max_candidates`.
        filtered: leave the known positives of a query out of its candidates.
        ks: cut-offs of `hits_at_k`.
        batch_size: objects per embedding pass.
        exclude_self: leave a query's own object (the same ids as its in0) out of its
            candidates: `True`, `False`, `"auto"` (when in0 and in1 share one id space:
            a tied token table or one vocab file), or None (the model's
            `ranking_exclude_self`, `auto` by default); see
            `keras_o2v.evaluation.own_object`.

    Returns:
        A dict: `hits_at_k` for each k, `mrr`, `mean_rank`, `auc` (labels 0/1),
        and `num_pairs`, `num_queries`, `num_candidates`.
    """
    scorer = open_scorer(model, batch_size)
    task = build_ranking_tasks(scorer.hyperparameters, {"pairs": pairs}, known=list(known),
                               candidates=candidates, max_candidates=max_candidates,
                               filtered=filtered, ks=ks, exclude_self=exclude_self)["pairs"]
    metrics = task.evaluate(scorer)
    metrics.update(num_pairs=task.num_positives, num_queries=task.num_queries,
                   num_candidates=task.num_candidates)
    return metrics


def open_scorer(model, batch_size=1024):
    """A scorer for `RankingTask.evaluate` from a model object or a path (see module docstring)."""
    from keras_o2v.models import Object2Vec

    if isinstance(model, Object2Vec):
        return ModelScorer(model, batch_size)
    path = os.fspath(model)
    if os.path.isdir(path) and os.path.isfile(os.path.join(path, "model.keras")):
        path = os.path.join(path, "model.keras")
    if path.endswith(".keras") and os.path.isfile(path):
        import keras

        return ModelScorer(keras.saving.load_model(path), batch_size)
    if os.path.isdir(path) and not os.path.isfile(os.path.join(path, "saved_model.pb")):
        from keras_o2v.export.versions import latest_version

        version = latest_version(path)
        if version is not None:
            path = os.path.join(path, str(version))
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return SavedModelScorer(path, batch_size)
    raise O2VError(f"{model}: not a model: expected a .keras file, a training model_dir (with "
                   "model.keras), a SavedModel version folder or a model base path")


class SavedModelScorer:
    """Scores through an export's signatures (see the module docstring).

    Args:
        path: a SavedModel version folder written by `keras_o2v.export_saved_model`.
        batch_size: objects per embedding call.
    """

    def __init__(self, path, batch_size=1024):
        from keras_o2v.inference.runtime.saved_model_runner import SavedModelRunner

        self.runner = SavedModelRunner(path)
        self.hyperparameters = self.runner.hyperparameters
        if self.hyperparameters is None:
            raise O2VError(f"{path}: no assets.extra/hyperparameters.json; export it with "
                           "keras_o2v.export_saved_model (o2v export)")
        self.batch_size = batch_size
        self.retrieval = self.hyperparameters.is_retrieval
        self.max_pairs = BLOCK_ELEMENTS if self.retrieval else 2**14

    def _embed(self, side, ids):
        parts = [self.runner.run(EMBED_SIGNATURES[side], {INPUT_NAMES[side]: ids[i:i + self.batch_size]})
                 [EMBEDDINGS] for i in range(0, len(ids), self.batch_size)]
        vectors = np.concatenate(parts).astype(np.float32)
        if self.hyperparameters.retrieval_similarity == "cosine":
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 1e-6)
        return vectors

    def prepare(self, query_ids, candidate_ids):
        self.query_ids, self.candidate_ids = query_ids, candidate_ids
        if self.retrieval:
            self.queries = self._embed(0, query_ids)
            self.candidates = self._embed(1, candidate_ids)

    def matrix(self, query_rows, start, stop):
        if self.retrieval:
            return self.queries[query_rows] @ self.candidates[start:stop].T
        count = stop - start
        in0 = np.repeat(self.query_ids[query_rows], count, axis=0)
        in1 = np.tile(self.candidate_ids[start:stop], (len(query_rows), 1))
        return self._served(in0, in1).reshape(len(query_rows), count)

    def pairs(self, query_rows, candidate_rows):
        if self.retrieval:
            return np.einsum("ij,ij->i", self.queries[query_rows], self.candidates[candidate_rows])
        return np.concatenate([
            self._served(self.query_ids[query_rows[i:i + self.max_pairs]],
                         self.candidate_ids[candidate_rows[i:i + self.max_pairs]])
            for i in range(0, len(query_rows), self.max_pairs)] or [np.zeros(0)])

    def _served(self, in0, in1):
        scores = self.runner.run(SCORE_SIGNATURE, {INPUT_NAMES[0]: in0, INPUT_NAMES[1]: in1})[SCORES]
        return scores[:, 1] if scores.shape[1] == 2 else scores[:, 0]

"""Scores for channel ranking from a `keras_o2v.Object2Vec` in memory.

Example:
>>> task.evaluate(ModelScorer(model))  # doctest: +SKIP
"""

import numpy as np

from keras_o2v.evaluation.channel_ranking import BLOCK_ELEMENTS


class ModelScorer:
    """Scores for `RankingTask.evaluate` from a `keras_o2v.Object2Vec` in memory.

    Queries and candidates are embedded once (`Object2Vec.embed`); blocks are
    scored by `Object2Vec.score_embeddings` (log-odds of label 1 for a pair
    classifier, so saturated probabilities do not tie).

    Args:
        model: a `keras_o2v.Object2Vec`.
        batch_size: objects per embedding pass.
    """

    def __init__(self, model, batch_size=1024):
        self.model = model
        self.hyperparameters = model.hyperparameters
        self.batch_size = batch_size
        # A pair model scores every pair through its MLP: bound the pairs per call.
        self.max_pairs = BLOCK_ELEMENTS if model.hyperparameters.is_retrieval else 2**16

    def prepare(self, query_ids, candidate_ids):
        self.queries = self.model.embed(in0=query_ids, batch_size=self.batch_size)
        self.candidates = self.model.embed(in1=candidate_ids, batch_size=self.batch_size)

    def matrix(self, query_rows, start, stop):
        scores = self.model.score_embeddings(self.queries[query_rows],
                                             self.candidates[start:stop], logits=True)
        return np.asarray(scores, np.float32)

    def pairs(self, query_rows, candidate_rows):
        out = []
        for start in range(0, len(query_rows), self.max_pairs):
            rows = slice(start, start + self.max_pairs)
            out.append(np.asarray(self.model.score_embeddings(
                self.queries[query_rows[rows]], self.candidates[candidate_rows[rows]],
                logits=True, pairwise=True)))
        return np.concatenate(out) if out else np.zeros(0, np.float32)

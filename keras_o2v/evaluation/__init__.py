"""Ranking evaluation: one home for keras_o2v's ranks and ranking metrics. TensorFlow-free.

One tie convention, the realistic rank `1 + greater + equal / 2` (the expected rank
under random tie-breaking, `ranks`); one key style, `hits_at_k`, `mrr`, `mean_rank`
(`summaries`) and `auc` (`auc`). Used by:

- the training job's `validation:*` / `test:*` ranking metrics (`job_metrics`), and
  `keras_o2v.evaluate_retrieval` / `o2v evaluate-retrieval --model`: channel ranking,
  the filtered ranking of each positive's in1 among the channel's candidates
  (`channel_ranking`, scored by `ModelScorer` or an export's signatures);
- vectors against a base set, `vector_ranking_metrics` / `o2v evaluate-retrieval
  --queries --base`, with the ranking keys of `NearestNeighbors`' exact search
  (`vector_ranking`).

Everywhere a query's own object can be left out of its candidates (`own_object`).

Example:
>>> import numpy as np
>>> base = np.eye(3)
>>> keras_o2v.evaluation.vector_ranking_metrics(base, base, truth=[1, 2, 0], ks=(1,),
...                                              exclude=[0, 1, 2])["hits_at_1"]
0.0
"""

from keras_o2v.evaluation.auc import pair_auc
from keras_o2v.evaluation.channel_ranking import (
    BLOCK_ELEMENTS,
    DEFAULT_SEED,
    RankingTask,
    build_ranking_tasks,
)
from keras_o2v.evaluation.job_metrics import channel_metrics, job_ranking_tasks
from keras_o2v.evaluation.model_scorer import ModelScorer
from keras_o2v.evaluation.own_object import resolve_exclude_self, shares_id_space
from keras_o2v.evaluation.ranks import count_above_and_tied, nan_lowest, realistic_ranks
from keras_o2v.evaluation.summaries import hits_key, summarize_ranks
from keras_o2v.evaluation.vector_ranking import vector_ranking_metrics, vector_ranks

__all__ = [
    "BLOCK_ELEMENTS",
    "DEFAULT_SEED",
    "ModelScorer",
    "RankingTask",
    "build_ranking_tasks",
    "channel_metrics",
    "count_above_and_tied",
    "hits_key",
    "job_ranking_tasks",
    "nan_lowest",
    "pair_auc",
    "realistic_ranks",
    "resolve_exclude_self",
    "shares_id_space",
    "summarize_ranks",
    "vector_ranking_metrics",
    "vector_ranks",
]

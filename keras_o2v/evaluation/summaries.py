"""Ranking metrics from 1-based ranks, under keras_o2v's one key style.

- `hits_at_k`: the share of ranks <= k (TensorFlow Recommenders' `FactorizedTopK`
  "top-k accuracy"; pykeen's hits@k);
- `mrr`: the mean of 1 / rank;
- `mean_rank`: the mean rank (1 is best).

The same keys, prefixed `validation:` / `test:`, are the training job's ranking metrics
(`keras_o2v.metric_names`); `auc` (`keras_o2v.evaluation.auc`) completes them.

Example:
>>> summarize_ranks(np.array([1.0, 2.0, 4.0]), ks=(1, 10))["mrr"]
0.5833333333333334
"""

import numpy as np

from keras_o2v.metric_names import RANKING_KS


def hits_key(k):
    """The key of hits@k: `hits_at_10`."""
    return f"hits_at_{int(k)}"


def summarize_ranks(ranks, ks=RANKING_KS):
    """`hits_at_k` for each k, `mrr` and `mean_rank` of 1-based ranks (NaN when empty).

    Args:
        ranks: float `[n]` ranks (realistic ranks may end in .5).
        ks: cut-offs of `hits_at_k`.

    Returns:
        A dict of floats, in the order `hits_at_k`..., `mrr`, `mean_rank`.
    """
    ranks = np.asarray(ranks, np.float64).reshape(-1)
    if ranks.size == 0:
        return {**{hits_key(k): float("nan") for k in ks}, "mrr": float("nan"),
                "mean_rank": float("nan")}
    metrics = {hits_key(k): float(np.mean(ranks <= k)) for k in ks}
    metrics["mrr"] = float(np.mean(1.0 / ranks))
    metrics["mean_rank"] = float(np.mean(ranks))
    return metrics

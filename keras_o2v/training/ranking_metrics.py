"""Ranking metrics of positive pairs: hits@k, MRR, mean rank (filtered, realistic ties) and AUC.

Each positive pair `(q, c)` of a channel is ranked by its score against the scores
of `q` with every candidate, the other known positives of `q` left out (the
"filtered" setting of Bordes et al., 2013). With `greater` candidates scoring
above `c` and `equal` ones tying with it, the rank is pykeen's "realistic" rank,
the mean of the optimistic (`1 + greater`) and pessimistic
(`1 + greater + equal`) ranks: the expected rank when ties are broken at random.
A NaN score ranks below every number.

- `hits_at_k`: the share of positive pairs with rank <= k (TensorFlow Recommenders'
  `FactorizedTopK` "top-k accuracy");
- `mrr`: the mean of 1 / rank; `mean_rank`: the mean rank (1 is best);
- `auc` (a binary-labelled channel): the chance that a random label-1 pair
  scores above a random label-0 pair, ties counting one half.

Example:
>>> summarize_ranks(np.array([1.0, 2.0, 4.0]), ks=(1, 10))["mrr"]
0.5833333333333334
"""

import numpy as np

from keras_o2v.metric_names import RANKING_KS


def count_above_and_tied(candidate_scores, true_scores, removed=None):
    """`(greater, equal)` counts per row: candidates scoring above / equal to the true score.

    Args:
        candidate_scores: float `[rows, candidates]`.
        true_scores: float `[rows]`.
        removed: optional bool `[rows, candidates]`, candidates left out of a row
            (the true one itself and the other known positives).
    """
    scores = _nan_lowest(np.asarray(candidate_scores))
    truth = _nan_lowest(np.asarray(true_scores))[:, None]
    above, tied = scores > truth, scores == truth
    if removed is not None:
        kept = ~removed
        above &= kept
        tied &= kept
    return above.sum(axis=1), tied.sum(axis=1)


def realistic_ranks(greater, equal):
    """The mean of the optimistic and pessimistic ranks, `1 + greater + equal / 2`."""
    return 1.0 + np.asarray(greater, np.float64) + 0.5 * np.asarray(equal, np.float64)


def summarize_ranks(ranks, ks=RANKING_KS):
    """`hits_at_k` for each k, `mrr` and `mean_rank` of 1-based ranks (NaN when empty)."""
    ranks = np.asarray(ranks, np.float64).reshape(-1)
    if ranks.size == 0:
        return {**{f"hits_at_{k}": float("nan") for k in ks}, "mrr": float("nan"),
                "mean_rank": float("nan")}
    metrics = {f"hits_at_{k}": float(np.mean(ranks <= k)) for k in ks}
    metrics["mrr"] = float(np.mean(1.0 / ranks))
    metrics["mean_rank"] = float(np.mean(ranks))
    return metrics


def pair_auc(scores, labels):
    """AUC of label-1 against label-0 pairs (Mann-Whitney U, ties one half); NaN if one is absent.

    Args:
        scores: float `[n]` pair scores.
        labels: `[n]` labels; 1 is positive, 0 negative.
    """
    scores = _nan_lowest(np.asarray(scores, np.float64).reshape(-1))
    labels = np.asarray(labels).reshape(-1)
    positive = labels == 1
    num_positive, num_negative = int(positive.sum()), int((labels == 0).sum())
    if num_positive == 0 or num_negative == 0:
        return float("nan")
    scores, positive = scores[labels <= 1], positive[labels <= 1]
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    # average 1-based ranks of tied groups
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], len(scores)]
    average = (starts + ends + 1) / 2.0
    ranks = np.empty(len(scores))
    ranks[order] = np.repeat(average, ends - starts)
    u = ranks[positive].sum() - num_positive * (num_positive + 1) / 2.0
    return float(u / (num_positive * num_negative))


def _nan_lowest(values):
    values = np.asarray(values)
    if values.dtype.kind != "f":
        values = values.astype(np.float64)
    return np.where(np.isnan(values), values.dtype.type(-np.inf), values)

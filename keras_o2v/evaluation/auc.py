"""AUC of scored pairs: the chance that a label-1 pair outscores a label-0 pair, ties one half.

Example:
>>> pair_auc([0.9, 0.4, 0.4, 0.1], [1, 1, 0, 0])
0.875
"""

import numpy as np

from keras_o2v.evaluation.ranks import nan_lowest


def pair_auc(scores, labels):
    """AUC of label-1 against label-0 pairs (Mann-Whitney U, ties one half); NaN if one is absent.

    Args:
        scores: float `[n]` pair scores (NaN scores lowest).
        labels: `[n]` labels; 1 is positive, 0 negative, others are left out.

    Returns:
        A float in [0, 1], or NaN.
    """
    scores = nan_lowest(np.asarray(scores, np.float64).reshape(-1))
    labels = np.asarray(labels).reshape(-1)
    positive = labels == 1
    num_positive, num_negative = int(positive.sum()), int((labels == 0).sum())
    if num_positive == 0 or num_negative == 0:
        return float("nan")
    binary = (labels == 0) | positive
    scores, positive = scores[binary], positive[binary]
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

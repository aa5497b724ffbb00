"""Ranks with ties: keras_o2v's one tie convention, the realistic (expected) rank.

A true item scored `s` among candidates, `greater` of which score above `s` and
`equal` of which score exactly `s` (the true item itself not counted), has the
optimistic rank `1 + greater` (ties broken in its favour), the pessimistic rank
`1 + greater + equal` (against it), and the realistic rank, their mean,
`1 + greater + equal / 2`: the expected rank when ties are broken uniformly at random
(pykeen's "realistic" rank; Berrendorf et al., 2020). Every ranking metric of
keras_o2v (training job, `evaluate_retrieval`, vector ranking, `o2v evaluate-retrieval`)
uses it. A NaN score ranks below every number. Ranks are float64 and 1-based (1 is best).

Example:
>>> scores = np.array([[0.9, 0.5, 0.5, 0.1]])
>>> realistic_ranks(*count_above_and_tied(scores, np.array([0.5]), removed=np.array(
...     [[False, True, False, False]]))).tolist()
[2.5]
"""

import numpy as np


def count_above_and_tied(candidate_scores, true_scores, removed=None):
    """`(greater, equal)` counts per row: candidates scoring above / equal to the true score.

    Args:
        candidate_scores: float `[rows, candidates]`.
        true_scores: float `[rows]`.
        removed: optional bool `[rows, candidates]`, candidates left out of a row (the
            true one itself, the other known positives, the query's own object).

    Returns:
        Two int64 arrays `[rows]`.
    """
    scores = nan_lowest(np.asarray(candidate_scores))
    truth = nan_lowest(np.asarray(true_scores))[:, None]
    above, tied = scores > truth, scores == truth
    if removed is not None:
        kept = ~removed
        above &= kept
        tied &= kept
    return above.sum(axis=1), tied.sum(axis=1)


def realistic_ranks(greater, equal):
    """The expected rank under random tie-breaking, `1 + greater + equal / 2` (float64)."""
    return 1.0 + np.asarray(greater, np.float64) + 0.5 * np.asarray(equal, np.float64)


def nan_lowest(values):
    """Float `values` with NaN replaced by -inf (NaN ranks below every number)."""
    values = np.asarray(values)
    if values.dtype.kind != "f":
        values = values.astype(np.float64)
    return np.where(np.isnan(values), values.dtype.type(-np.inf), values)

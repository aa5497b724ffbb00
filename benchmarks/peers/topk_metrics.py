"""Top-k metrics of a user x item score matrix, NumPy only (the peers' virtualenvs import it too).

Every row of a retrieval benchmark hands in the same thing, a score matrix `scores`
`[num_users + 1, num_items + 1]` indexed by id (row and column 0 are padding and never
candidates), and `ranking_metrics` scores it against held-out (user, item) pairs:

- `top_k` (unfiltered): the share of held-out pairs whose item is among the user's k
  best-scored items of the whole catalogue, the user's other known items included:
  TensorFlow Recommenders' `FactorizedTopK` "top-k categorical accuracy";
- `filtered_top_k`, `mrr` (filtered): the same rank with the user's other known items
  (`known`: every positive of the split the evaluation may see) left out, pykeen's and
  `keras_o2v.evaluate_retrieval`'s filtered setting;
- `recall_at_k`: per user, the share of the user's held-out items among the k best
  items of the catalogue minus the user's known items outside the held-out set (what a
  recommender would show), averaged over users with a held-out item.

Ranks are "realistic": 1 + (items scoring above) + (items tied) / 2, the expected rank
under random tie-breaking, as in pykeen and `keras_o2v.evaluation` (this module stays
NumPy-only, as the peers' virtualenvs have no keras_o2v; `tests/test_benchmarks_smoke.py`
checks it against `keras_o2v.evaluation`'s ranks).

Example:
>>> scores = np.array([[0, 0, 0], [0, 2.0, 1.0]])  # user 1 prefers item 1 to item 2
>>> known = known_matrix(1, 2, ([1], [2]))  # user 1's only known item: item 2
>>> ranking_metrics(scores, np.array([1]), np.array([2]), known, ks=(1,))
{'top_1': 0.0, 'filtered_top_1': 0.0, 'mrr': 0.5, 'recall_at_1': 0.0, 'pairs': 1}
"""

import numpy as np

BLOCK_ROWS = 2048


def ranking_metrics(scores, users, items, known, ks=(10, 100)):
    """Top-k accuracies, filtered MRR and recall@k of held-out pairs (see the module docstring).

    Args:
        scores: float `[num_users + 1, num_items + 1]`, higher is better.
        users: int `[n]` user ids of the held-out pairs.
        items: int `[n]` their item ids.
        known: bool `[num_users + 1, num_items + 1]`, every positive the evaluation may
            see (the train, validation and, for test, the test pairs); the held-out pairs
            must be in it.
        ks: cut-offs.

    Returns:
        `{"top_k", "filtered_top_k", "recall_at_k" for each k, "mrr", "pairs"}`.
    """
    scores = np.asarray(scores, np.float32).copy()
    scores[:, 0] = -np.inf  # padding is no candidate
    scores = np.nan_to_num(scores, nan=-np.inf)
    users, items = np.asarray(users, np.int64), np.asarray(items, np.int64)
    if not known[users, items].all():
        raise ValueError("every held-out pair must be in `known`")
    raw, filtered = [], []
    for start in range(0, len(users), BLOCK_ROWS):
        u, i = users[start:start + BLOCK_ROWS], items[start:start + BLOCK_ROWS]
        rows = scores[u]
        true = rows[np.arange(len(u)), i][:, None]
        above, tied = rows > true, rows == true
        tied[np.arange(len(u)), i] = False
        raw.append(1.0 + above.sum(1) + 0.5 * tied.sum(1))
        others = known[u].copy()
        others[np.arange(len(u)), i] = False
        filtered.append(1.0 + (above & ~others).sum(1) + 0.5 * (tied & ~others).sum(1))
    raw, filtered = np.concatenate(raw), np.concatenate(filtered)
    metrics = {}
    for k in ks:
        metrics[f"top_{k}"] = float(np.mean(raw <= k))
        metrics[f"filtered_top_{k}"] = float(np.mean(filtered <= k))
    metrics["mrr"] = float(np.mean(1.0 / filtered))
    metrics.update(recall_at_k(scores, users, items, known, ks))
    metrics["pairs"] = int(len(users))
    return metrics


def recall_at_k(scores, users, items, known, ks=(10,)):
    """`recall_at_k`: per user, held-out items in the top k of the items not known otherwise."""
    held_out = np.zeros_like(known)
    held_out[users, items] = True
    hidden = known & ~held_out
    test_users = np.unique(users)
    rows = np.where(hidden[test_users], -np.inf, scores[test_users])
    order = np.argsort(-rows, axis=1, kind="stable")
    counts = held_out[test_users].sum(1)
    out = {}
    for k in ks:
        top = order[:, :k]
        hits = held_out[test_users[:, None], top].sum(1)
        out[f"recall_at_{k}"] = float(np.mean(hits / counts))
    return out


def known_matrix(num_users, num_items, *pairs):
    """bool `[num_users + 1, num_items + 1]`: True at every `(users, items)` of `pairs`."""
    known = np.zeros((num_users + 1, num_items + 1), bool)
    for users, items in pairs:
        known[np.asarray(users, np.int64), np.asarray(items, np.int64)] = True
    return known

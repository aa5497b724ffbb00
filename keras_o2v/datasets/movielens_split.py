"""Train / validation / test split of MovieLens ratings with per-user held-out test ratings."""

import numpy as np

from keras_o2v.errors import DataError


def split_ratings(ratings, test_per_user=10, validation_fraction=0.05, seed=0):
    """Splits ratings like GroupLens' `ua` split, plus a random validation part.

    For each user, `test_per_user` ratings chosen at random (with `seed`) are held out as
    test; `validation_fraction` of the remaining ratings, chosen at random over all
    users, form the validation set; the rest is train. The three parts are disjoint,
    cover every rating once, keep the original row order, and depend only on `seed`.

    Args:
        ratings: a `Ratings` (e.g. `movielens_100k().ratings`).
        test_per_user: ratings per user held out as test; every user must have more.
        validation_fraction: fraction of the non-test ratings used for validation.
        seed: seed of the random choices.

    Returns:
        `(train, validation, test)`, each a `Ratings`.

    Example:
    >>> ml = keras_o2v.datasets.movielens_100k()  # doctest: +SKIP
    >>> train, val, test = keras_o2v.datasets.split_ratings(ml.ratings, seed=0)  # doctest: +SKIP
    >>> len(test)  # doctest: +SKIP
    9430
    """
    if not 0 <= validation_fraction < 1:
        raise ValueError(f"validation_fraction must be in [0, 1), got {validation_fraction!r}.")
    rng = np.random.default_rng(seed)
    users = np.asarray(ratings.user_id)
    test_mask = np.zeros(len(users), dtype=bool)
    order = np.argsort(users, kind="stable")
    unique, starts, counts = np.unique(users[order], return_index=True, return_counts=True)
    short = [(int(u), int(c)) for u, c in zip(unique, counts) if c <= test_per_user]
    if short:
        raise DataError([("<ratings>", 0, f"user {u} has {c} ratings, needs more than {test_per_user}")
                         for u, c in short])
    for start, count in zip(starts, counts):
        rows = order[start:start + count]
        test_mask[rng.choice(rows, size=test_per_user, replace=False)] = True
    rest = np.flatnonzero(~test_mask)
    num_validation = int(round(validation_fraction * len(rest)))
    validation_mask = np.zeros(len(users), dtype=bool)
    validation_mask[rng.choice(rest, size=num_validation, replace=False)] = True
    train_mask = ~(test_mask | validation_mask)
    return ratings.take(train_mask), ratings.take(validation_mask), ratings.take(test_mask)

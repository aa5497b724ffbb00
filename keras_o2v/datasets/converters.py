"""Converters from dataset tables to Object2Vec JSON Lines records.

Every record is `{"label": ..., "in0": [ids], "in1": [ids]}` with ids >= 1: id 0 is
reserved for padding.
"""

import json

import numpy as np

from keras_o2v.atomic_files import atomic_write

TASKS = ("regression", "classification")


def ratings_to_records(ratings, task="regression", threshold=3, user_history=None):
    """Yields one `(user, item)` record per rating.

    MovieLens ids already start at 1, so they are used unchanged (`in0=[user_id]`,
    `in1=[item_id]`); `enc0_vocab_size = max user id + 1`, likewise for items.
    With a `user_history` (a `UserHistory`), `in0` is the user id followed by
    the user's history tokens: SVD++'s user, to pool with
    `enc0_pooling=first_plus_sqrtn`.

    Args:
        ratings: a `Ratings` (arrays `user_id`, `item_id`, `rating`).
        task: `"regression"` (label = the rating as a float) or `"classification"`
            (label = 1 if `rating > threshold` else 0).
        threshold: the classification threshold (SageMaker's notebook uses 3).
        user_history: optional `UserHistory`; a user missing from it gets no history.

    Example:
    >>> next(ratings_to_records(ml.ratings, task="classification"))  # doctest: +SKIP
    {'label': 0, 'in0': [196], 'in1': [242]}
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}.")
    for user, item, rating in zip(ratings.user_id, ratings.item_id, ratings.rating):
        if user < 1 or item < 1:
            raise ValueError(f"ids must be >= 1 (0 is padding), got user {user}, item {item}.")
        label = float(rating) if task == "regression" else int(rating > threshold)
        in0 = [int(user)] if user_history is None else user_history.tokens(int(user))
        yield {"label": label, "in0": in0, "in1": [int(item)]}


class UserHistory:
    """The items each user rated, as extra `in0` tokens after the user id.

    Item `j` of a history is the token `offset + j`, with `offset` = the largest user
    id + 1, so user ids and history items share enc0's table without colliding:
    `enc0_vocab_size = vocab_size` and `enc0_max_seq_len = max_items + 1`.

    Build it from the training ratings only: a history that contains validation or
    test ratings tells the model which items the user went on to rate.

    Args:
        ratings: the `Ratings` to read the histories from (the training split).
        max_items: keep at most this many items per user: a random subset (seeded),
            so a heavy user's history is as long as `max_items` and no longer.
        seed: seed of that subset.
        num_users: the largest user id of all splits (default: the largest in
            `ratings`), so users who appear only in validation or test still fit.
        num_items: the largest item id of all splits (default: the largest in
            `ratings`).

    Example:
    >>> history = UserHistory(train, max_items=64)  # doctest: +SKIP
    >>> write_jsonl(ratings_to_records(test, user_history=history), "test.jsonl")  # doctest: +SKIP
    """

    def __init__(self, ratings, max_items=64, seed=0, num_users=None, num_items=None):
        if max_items < 1:
            raise ValueError(f"max_items must be >= 1, got {max_items}.")
        users, items = np.asarray(ratings.user_id), np.asarray(ratings.item_id)
        self.max_items = int(max_items)
        self.offset = int(max(num_users or 0, users.max(initial=0))) + 1
        self.vocab_size = self.offset + int(max(num_items or 0, items.max(initial=0))) + 1
        self._items = {}
        if len(users) == 0:
            return
        rng = np.random.default_rng(seed)
        order = np.argsort(users, kind="stable")
        users, items = users[order], items[order]
        starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
        for user, chunk in zip(users[starts], np.split(items, starts[1:])):
            chosen = np.unique(chunk)
            if len(chosen) > self.max_items:
                chosen = np.sort(rng.choice(chosen, self.max_items, replace=False))
            self._items[int(user)] = chosen

    def items(self, user):
        """The item ids kept for `user`, sorted (empty when the user rated none)."""
        return self._items.get(int(user), np.zeros(0, np.int64))

    def tokens(self, user):
        """`in0` for `user`: the user id, then `offset + item` for every kept item."""
        return [int(user)] + (self.items(user) + self.offset).tolist()


def documents_to_label_records(documents, labels, num_labels, negatives=1, seed=0):
    """Yields (document, label-token) records: the true label and `negatives` wrong ones.

    Label `k` is the token id `k + 1` in `in1` (so `enc1_vocab_size = num_labels + 1`).
    For each document: first `{"label": 1, "in0": doc, "in1": [true + 1]}`, then
    `negatives` records with label 0 and distinct wrong labels drawn at random.

    Args:
        documents: sequence of token-id lists (ids >= 1, non-empty).
        labels: the class index (0 to `num_labels - 1`) of each document.
        num_labels: the number of classes.
        negatives: wrong labels per document, at most `num_labels - 1`.
        seed: seed of the random choices.

    Example:
    >>> list(documents_to_label_records([[5, 6]], [0], num_labels=2))
    [{'label': 1, 'in0': [5, 6], 'in1': [1]}, {'label': 0, 'in0': [5, 6], 'in1': [2]}]
    """
    if not 0 <= negatives < num_labels:
        raise ValueError(f"negatives must be in [0, {num_labels - 1}], got {negatives!r}.")
    if len(documents) != len(labels):
        raise ValueError(f"{len(documents)} documents but {len(labels)} labels.")
    rng = np.random.default_rng(seed)
    for index, (document, label) in enumerate(zip(documents, labels)):
        document = _check_ids(document, index)
        label = int(label)
        if not 0 <= label < num_labels:
            raise ValueError(f"document {index}: label {label} is not in [0, {num_labels}).")
        yield {"label": 1, "in0": document, "in1": [label + 1]}
        wrong = rng.choice(num_labels - 1, size=negatives, replace=False)
        for other in wrong:
            other = int(other) + (1 if other >= label else 0)  # skip the true label
            yield {"label": 0, "in0": document, "in1": [other + 1]}


def documents_to_retrieval_records(documents, window=20, negatives=0, seed=0):
    """Yields (text window, rest of document) records, as in SageMaker's document-embedding example.

    For each document a random window of `window` consecutive tokens becomes `in0`
    and the document without that window becomes `in1` (label 1). With `negatives > 0`,
    each positive is followed by that many records pairing the window with the rest of
    other, randomly chosen documents (label 0) — the layout of the example's dev/test
    files. Documents with fewer than `window + 1` tokens are skipped (nothing would
    remain for `in1`).

    Args:
        documents: sequence of token-id lists (ids >= 1).
        window: tokens in each window.
        negatives: negative records per positive.
        seed: seed of the random choices.

    Example:
    >>> list(documents_to_retrieval_records([[1, 2, 3]], window=3))
    []
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window!r}.")
    rng = np.random.default_rng(seed)
    windows, rests = [], []
    for index, document in enumerate(documents):
        document = _check_ids(document, index)
        if len(document) <= window:
            continue
        start = int(rng.integers(0, len(document) - window + 1))
        windows.append(document[start:start + window])
        rests.append(document[:start] + document[start + window:])
    if negatives and negatives >= len(windows):
        raise ValueError(f"negatives={negatives} needs more than {negatives} usable documents, "
                         f"found {len(windows)}.")
    for k, (piece, rest) in enumerate(zip(windows, rests)):
        yield {"label": 1, "in0": piece, "in1": rest}
        if negatives:
            others = rng.choice(len(windows) - 1, size=negatives, replace=False)
            for other in others:
                other = int(other) + (1 if other >= k else 0)
                yield {"label": 0, "in0": piece, "in1": rests[other]}


def write_jsonl(records, path):
    """Writes records as JSON Lines, atomically (temporary file, then rename). Returns the count.

    Example:
    >>> write_jsonl(ratings_to_records(train), "train.jsonl")  # doctest: +SKIP
    90570
    """
    count = 0
    with atomic_write(path) as out:
        for record in records:
            out.write(json.dumps(record, separators=(", ", ": ")) + "\n")
            count += 1
    return count


def _check_ids(document, index):
    ids = [int(token) for token in document]
    if not ids:
        raise ValueError(f"document {index} has no tokens.")
    if min(ids) < 1:
        raise ValueError(f"document {index}: ids must be >= 1 (0 is padding), got {min(ids)}.")
    return ids

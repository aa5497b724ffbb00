"""Converters from dataset tables to Object2Vec JSON Lines records.

Every record is `{"label": ..., "in0": [ids], "in1": [ids]}` with ids >= 1: id 0 is
reserved for padding.
"""

import json

import numpy as np

from keras_o2v.atomic_files import atomic_write

TASKS = ("regression", "classification")


def ratings_to_records(ratings, task="regression", threshold=3):
    """Yields one `(user, item)` record per rating.

    MovieLens ids already start at 1, so they are used unchanged (`in0=[user_id]`,
    `in1=[item_id]`); `enc0_vocab_size = max user id + 1`, likewise for items.

    Args:
        ratings: a `Ratings` (arrays `user_id`, `item_id`, `rating`).
        task: `"regression"` (label = the rating as a float) or `"classification"`
            (label = 1 if `rating > threshold` else 0).
        threshold: the classification threshold (SageMaker's notebook uses 3).

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
        yield {"label": label, "in0": [int(user)], "in1": [int(item)]}


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

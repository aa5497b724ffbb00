"""Converters to Object2Vec JSON Lines, the tokenizer/vocabulary, and the MovieLens split."""

import json

import numpy as np
import pytest

from keras_o2v.datasets import converters
from keras_o2v.datasets.movielens import Ratings
from keras_o2v.datasets.movielens_split import split_ratings
from keras_o2v.errors import DataError
from keras_o2v.preprocessing import ALPHANUMERIC_WORDS, Tokenizer, build_vocabulary, tokens_to_ids


def ratings(users, items, values):
    n = len(users)
    return Ratings(np.array(users, np.int32), np.array(items, np.int32),
                   np.array(values, np.float32), np.arange(n, dtype=np.int64))


def test_ratings_records_regression_and_classification():
    table = ratings([1, 2, 3], [7, 8, 9], [3, 4, 5])
    assert list(converters.ratings_to_records(table)) == [
        {"label": 3.0, "in0": [1], "in1": [7]},
        {"label": 4.0, "in0": [2], "in1": [8]},
        {"label": 5.0, "in0": [3], "in1": [9]},
    ]
    labels = [r["label"] for r in converters.ratings_to_records(table, task="classification")]
    assert labels == [0, 1, 1] and all(type(x) is int for x in labels)
    with pytest.raises(ValueError, match="task"):
        list(converters.ratings_to_records(table, task="ranking"))
    with pytest.raises(ValueError, match="padding"):
        list(converters.ratings_to_records(ratings([0], [1], [3])))


def test_user_history_tokens_follow_the_user_id_without_colliding():
    train = ratings([2, 1, 2, 2, 1], [5, 3, 4, 5, 9], [3, 4, 5, 1, 2])
    history = converters.UserHistory(train, max_items=10, num_users=3)
    assert history.offset == 4 and history.vocab_size == 4 + 9 + 1
    assert history.items(2).tolist() == [4, 5]  # sorted, each item once
    assert history.tokens(1) == [1, 4 + 3, 4 + 9]
    assert history.tokens(3) == [3]  # a user with no training ratings: the id alone
    test = ratings([2, 3], [7, 8], [4, 2])
    assert list(converters.ratings_to_records(test, user_history=history)) == [
        {"label": 4.0, "in0": [2, 8, 9], "in1": [7]},
        {"label": 2.0, "in0": [3], "in1": [8]},
    ]


def test_user_history_keeps_a_seeded_subset_of_heavy_users():
    train = ratings([1] * 50 + [2] * 3, list(range(1, 51)) + [1, 2, 3], [4] * 53)
    history = converters.UserHistory(train, max_items=8, seed=3)
    kept = history.items(1)
    assert len(kept) == 8 and len(set(kept.tolist())) == 8 and (np.diff(kept) > 0).all()
    assert set(kept.tolist()) <= set(range(1, 51)) and history.items(2).tolist() == [1, 2, 3]
    assert converters.UserHistory(train, max_items=8, seed=3).items(1).tolist() == kept.tolist()
    assert converters.UserHistory(train, max_items=8, seed=4).items(1).tolist() != kept.tolist()
    with pytest.raises(ValueError, match="max_items"):
        converters.UserHistory(train, max_items=0)


def test_label_records_have_one_positive_and_distinct_wrong_negatives():
    docs, labels = [[5, 6], [7], [8, 9, 9]], [0, 3, 2]
    records = list(converters.documents_to_label_records(docs, labels, num_labels=4, negatives=3, seed=1))
    assert len(records) == 12
    for k, (doc, label) in enumerate(zip(docs, labels)):
        group = records[4 * k: 4 * k + 4]
        assert group[0] == {"label": 1, "in0": doc, "in1": [label + 1]}
        negatives = [r["in1"][0] for r in group[1:]]
        assert all(r["label"] == 0 and r["in0"] == doc for r in group[1:])
        assert sorted(negatives) == sorted(set(range(1, 5)) - {label + 1})
    again = list(converters.documents_to_label_records(docs, labels, num_labels=4, negatives=3, seed=1))
    assert again == records
    with pytest.raises(ValueError, match="negatives"):
        list(converters.documents_to_label_records(docs, labels, num_labels=4, negatives=4))
    with pytest.raises(ValueError, match="no tokens"):
        list(converters.documents_to_label_records([[]], [0], num_labels=2))


def test_retrieval_records_split_window_from_rest():
    docs = [[1, 2, 3, 4, 5], [6, 7, 12], [8, 9, 10, 11]]
    records = list(converters.documents_to_retrieval_records(docs, window=2, seed=0))
    assert len(records) == 3
    for record, doc in zip(records, docs):
        piece, rest = record["in0"], record["in1"]
        assert record["label"] == 1 and len(piece) == 2 and len(rest) == len(doc) - 2
        start = next(i for i in range(len(doc)) if doc[i:i + 2] == piece)
        assert rest == doc[:start] + doc[start + 2:]
    # Too-short documents are skipped; negatives pair the window with another document's rest.
    records = list(converters.documents_to_retrieval_records(docs, window=3, negatives=1, seed=0))
    assert [r["label"] for r in records] == [1, 0, 1, 0]
    assert records[1]["in0"] == records[0]["in0"] and records[1]["in1"] == records[2]["in1"]


def test_write_jsonl_is_readable_and_atomic(tmp_path):
    path = tmp_path / "out" / "train.jsonl"
    count = converters.write_jsonl(converters.ratings_to_records(ratings([1, 2], [3, 4], [5, 1])), path)
    lines = path.read_text().splitlines()
    assert count == 2 and json.loads(lines[1]) == {"label": 1.0, "in0": [2], "in1": [4]}

    def failing():
        yield {"label": 1, "in0": [1], "in1": [1]}
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        converters.write_jsonl(failing(), path)
    assert path.read_text().splitlines() == lines  # the old file is untouched
    assert sorted(p.name for p in path.parent.iterdir()) == ["train.jsonl"]


def test_alphanumeric_tokenizer_and_vocabulary():
    tokenizer = Tokenizer(ALPHANUMERIC_WORDS)
    texts = ["The cat's hat, THE end.", "hat 42"]
    assert tokenizer(texts[0]) == ["the", "cat's", "hat", "the", "end"]
    vocab = build_vocabulary(texts, tokenizer=tokenizer)
    assert vocab == {"<pad>": 0, "<unk>": 1, "hat": 2, "the": 3, "42": 4, "cat's": 5, "end": 6}
    assert build_vocabulary(texts, min_count=2, tokenizer=tokenizer) == {
        "<pad>": 0, "<unk>": 1, "hat": 2, "the": 3}
    assert build_vocabulary(texts, max_size=3, tokenizer=tokenizer) == {
        "<pad>": 0, "<unk>": 1, "hat": 2}
    assert tokens_to_ids(["the", "dog"], vocab) == [3, 1]


def test_split_ratings_properties():
    rng = np.random.default_rng(3)
    users = np.repeat(np.arange(1, 21), rng.integers(20, 60, size=20))
    table = ratings(users, rng.integers(1, 500, size=len(users)), rng.integers(1, 6, size=len(users)))
    train, validation, test = split_ratings(table, seed=7)
    assert len(train) + len(validation) + len(test) == len(table)
    _, per_user = np.unique(test.user_id, return_counts=True)
    assert len(per_user) == 20 and set(per_user) == {10}
    assert len(validation) == round(0.05 * (len(table) - len(test)))
    rows = [set(part.timestamp.tolist()) for part in (train, validation, test)]
    assert not (rows[0] & rows[1] or rows[0] & rows[2] or rows[1] & rows[2])
    for part in (train, validation, test):
        assert np.all(np.diff(part.timestamp) > 0)  # original order kept
    again = split_ratings(table, seed=7)
    np.testing.assert_array_equal(again[2].timestamp, test.timestamp)
    np.testing.assert_array_equal(again[1].timestamp, validation.timestamp)
    assert not np.array_equal(split_ratings(table, seed=8)[2].timestamp, test.timestamp)


def test_split_rejects_users_without_enough_ratings():
    table = ratings([1] * 12 + [2] * 10, list(range(22)), [3] * 22)
    with pytest.raises(DataError, match="user 2 has 10 ratings, needs more than 10"):
        split_ratings(table)

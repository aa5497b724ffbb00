"""Helpers shared by tests: writing JSON Lines and generating pair tasks with known answers."""

import json

import numpy as np


def write_jsonl(path, records):
    with open(path, "w") as f:
        for record in records:
            f.write(json.dumps(record) + "\n")
    return str(path)


def modular_match_pairs(n, vocab_size=60, groups=5, seed=0):
    """(token, token) pairs: label 1 when both tokens fall in the same group (id % groups)."""
    rng = np.random.default_rng(seed)
    records = []
    for _ in range(n):
        u = int(rng.integers(1, vocab_size))
        if rng.random() < 0.5:
            v = int(rng.choice([t for t in range(1, vocab_size) if t % groups == u % groups]))
        else:
            v = int(rng.integers(1, vocab_size))
        records.append({"label": int(u % groups == v % groups), "in0": [u], "in1": [v]})
    return records


def additive_rating_pairs(n, users=40, items=50, seed=0):
    """(user, item) pairs whose score is a user bias plus an item bias."""
    rng = np.random.default_rng(seed)
    user_bias = rng.normal(0, 1, users + 1)
    item_bias = rng.normal(0, 1, items + 1)
    records = []
    for _ in range(n):
        u, i = int(rng.integers(1, users + 1)), int(rng.integers(1, items + 1))
        records.append({"label": float(user_bias[u] + item_bias[i]), "in0": [u], "in1": [i]})
    return records


def token_sequence_pairs(n, vocab_size=41, groups=4, seed=0):
    """(group token, sequence) pairs: label 1 when most of the sequence is from that group."""
    rng = np.random.default_rng(seed)
    by_group = [[t for t in range(1, vocab_size) if t % groups == g] for g in range(groups)]
    records = []
    for _ in range(n):
        g = int(rng.integers(groups))
        length = int(rng.integers(3, 9))
        sequence = [int(t) for t in rng.choice(by_group[g], size=length)]
        noise = int(rng.integers(0, length // 3 + 1))
        for position in rng.choice(length, size=noise, replace=False):
            sequence[position] = int(rng.integers(1, vocab_size))
        claimed = g if rng.random() < 0.5 else int(rng.integers(groups))
        records.append({"label": int(claimed == g), "in0": [claimed + 1000], "in1": sequence})
    return records

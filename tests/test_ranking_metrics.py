"""Ranking metrics and the ranking evaluation of a channel against brute-force references."""

import json

import numpy as np
import pytest

from keras_o2v import Hyperparameters
from keras_o2v.evaluation import (
    build_ranking_tasks,
    count_above_and_tied,
    pair_auc,
    realistic_ranks,
    summarize_ranks,
)
from tests.harness import write_jsonl


def brute_force_rank(scores, true_column, removed):
    """Realistic rank of one row: the mean of the optimistic and the pessimistic rank."""
    true = scores[true_column]
    true = -np.inf if np.isnan(true) else true
    others = [(-np.inf if np.isnan(s) else s) for j, s in enumerate(scores)
              if j != true_column and not removed[j]]
    optimistic = 1 + sum(s > true for s in others)
    pessimistic = 1 + sum(s >= true for s in others)
    return (optimistic + pessimistic) / 2


def test_realistic_ranks_with_ties_removed_candidates_and_nan():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 4, size=(50, 12)).astype(float)  # many ties
    scores[rng.random(scores.shape) < 0.05] = np.nan
    truth = rng.integers(0, 12, size=50)
    removed = rng.random((50, 12)) < 0.2
    removed[np.arange(50), truth] = True
    greater, equal = count_above_and_tied(scores, scores[np.arange(50), truth], removed)
    expected = [brute_force_rank(scores[i], truth[i], removed[i]) for i in range(50)]
    np.testing.assert_allclose(realistic_ranks(greater, equal), expected)


def test_summaries_match_their_definitions():
    ranks = np.array([1.0, 1.5, 3.0, 10.0, 10.5, 99.0, 150.0])
    metrics = summarize_ranks(ranks)
    assert metrics["hits_at_1"] == pytest.approx(1 / 7)
    assert metrics["hits_at_10"] == pytest.approx(4 / 7)
    assert metrics["hits_at_100"] == pytest.approx(6 / 7)
    assert metrics["mrr"] == pytest.approx(np.mean([1 / r for r in ranks]))
    assert metrics["mean_rank"] == pytest.approx(ranks.mean())


def test_auc_is_the_share_of_correctly_ordered_pairs_with_ties_one_half():
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 5, size=200).astype(float)
    labels = rng.integers(0, 2, size=200)
    pairs = [(p, n) for p in scores[labels == 1] for n in scores[labels == 0]]
    expected = np.mean([1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs])
    assert pair_auc(scores, labels) == pytest.approx(expected)
    assert np.isnan(pair_auc(scores, np.ones(200)))


class SumScorer:
    """A scorer with many ties: -((sum(query) - sum(candidate)) mod 7)."""

    max_pairs = 50  # small, so candidates are scored in several blocks

    def prepare(self, query_ids, candidate_ids):
        self.query_sums = query_ids.sum(axis=1)
        self.candidate_sums = candidate_ids.sum(axis=1)

    def matrix(self, query_rows, start, stop):
        return -((self.query_sums[query_rows][:, None] - self.candidate_sums[None, start:stop]) % 7)

    def pairs(self, query_rows, candidate_rows):
        return -((self.query_sums[query_rows] - self.candidate_sums[candidate_rows]) % 7)


def score(query, candidate):
    return -((sum(query) - sum(candidate)) % 7)


def random_records(n, seed, labels=(1,)):
    rng = np.random.default_rng(seed)
    records = []
    for _ in range(n):
        in0 = [int(t) for t in rng.integers(1, 6, size=rng.integers(1, 3))]
        in1 = [int(t) for t in rng.integers(1, 9, size=rng.integers(1, 3))]
        records.append({"label": int(rng.choice(labels)), "in0": in0, "in1": in1})
    return records


@pytest.fixture
def pair_channels(tmp_path):
    return {"train": write_jsonl(tmp_path / "train.jsonl", random_records(120, 0)),
            "validation": write_jsonl(tmp_path / "validation.jsonl",
                                      random_records(60, 1, labels=(0, 1)))}


HP = Hyperparameters(enc0_max_seq_len=2, enc0_vocab_size=10, enc0_network="pooled_embedding")


def brute_force_metrics(channels, candidates, filtered):
    """Ranks every positive of the validation channel among `candidates`, by the definitions."""
    records = {name: [json.loads(line) for line in open(path)] for name, path in channels.items()}
    known = {(tuple(r["in0"]), tuple(r["in1"])) for rs in records.values() for r in rs
             if r["label"] > 0}
    ranks = []
    for record in records["validation"]:
        if record["label"] <= 0:
            continue
        query, truth = tuple(record["in0"]), tuple(record["in1"])
        scores = [score(query, c) for c in candidates]
        removed = [c == truth or (filtered and (query, c) in known) for c in candidates]
        scores.append(score(query, truth))  # the true pair, ranked against the others
        removed.append(False)
        ranks.append(brute_force_rank(np.array(scores, float), len(candidates), removed))
    labelled = [r for r in records["validation"] if r["label"] in (0, 1)]
    auc = pair_auc([score(r["in0"], r["in1"]) for r in labelled], [r["label"] for r in labelled])
    return {**summarize_ranks(ranks), "auc": auc}


@pytest.mark.parametrize("filtered", [True, False])
def test_channel_ranking_matches_brute_force(pair_channels, filtered):
    task = build_ranking_tasks(HP, {"validation": pair_channels["validation"]},
                               known=[pair_channels["train"]], filtered=filtered)["validation"]
    candidates = [tuple(int(t) for t in row if t) for row in task.candidate_ids]
    records = [json.loads(line) for path in pair_channels.values() for line in open(path)]
    assert set(candidates) == {tuple(r["in1"]) for r in records}  # every in1 object, once
    assert len(candidates) == len(set(candidates))
    got = task.evaluate(SumScorer())
    expected = brute_force_metrics(pair_channels, candidates, filtered)
    assert got == pytest.approx(expected)


def test_a_sample_of_candidates_keeps_every_object_of_the_channel(pair_channels):
    task = build_ranking_tasks(HP, {"validation": pair_channels["validation"]},
                               known=[pair_channels["train"]], max_candidates=40)["validation"]
    candidates = [tuple(int(t) for t in row if t) for row in task.candidate_ids]
    own = {tuple(json.loads(line)["in1"]) for line in open(pair_channels["validation"])}
    assert len(candidates) == max(40, len(own)) and own <= set(candidates)
    again = build_ranking_tasks(HP, {"validation": pair_channels["validation"]},
                                known=[pair_channels["train"]], max_candidates=40)["validation"]
    np.testing.assert_array_equal(again.candidate_ids, task.candidate_ids)  # the same sample
    assert task.evaluate(SumScorer()) == pytest.approx(
        brute_force_metrics(pair_channels, candidates, filtered=True))

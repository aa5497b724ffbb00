"""keras_o2v.evaluation: one tie convention and key style, and a query's own object left out."""

import json

import numpy as np
import pytest

from keras_o2v import Hyperparameters, cli
from keras_o2v.evaluation import (
    build_ranking_tasks,
    channel_metrics,
    job_ranking_tasks,
    resolve_exclude_self,
    summarize_ranks,
    vector_ranking_metrics,
    vector_ranks,
)
from keras_o2v.neighbors import NearestNeighbors
from tests.harness import write_jsonl


def realistic_rank(scores, true_column, left_out=()):
    """Brute force: 1 + (others above) + (others tied) / 2, the true column and `left_out` aside."""
    others = [s for j, s in enumerate(scores) if j != true_column and j not in left_out]
    true = scores[true_column]
    return 1 + sum(s > true for s in others) + 0.5 * sum(s == true for s in others)


@pytest.mark.parametrize("metric", ["dot", "cosine", "euclidean"])
def test_vector_ranks_are_realistic_ranks_in_blocks_with_exclusions(metric):
    rng = np.random.default_rng(0)
    base = rng.integers(-1, 2, size=(37, 3)).astype(np.float32)  # few distinct rows: many ties
    queries = rng.integers(-1, 2, size=(23, 3)).astype(np.float32)
    truth = rng.integers(0, 37, size=23)
    exclude = np.where(rng.random(23) < 0.3, truth, rng.integers(-1, 37, size=23))
    if metric == "dot":
        scores = queries @ base.T
    elif metric == "cosine":
        unit = lambda x: x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)  # noqa: E731
        scores = (unit(queries) @ unit(base).T).round(5)
    else:
        scores = -np.linalg.norm(queries[:, None] - base[None], axis=-1).round(5)
    expected = [realistic_rank(scores[i], truth[i], {exclude[i]}) for i in range(23)]
    got = vector_ranks(queries, base, truth, metric, exclude=exclude, batch_size=4,
                       base_batch_size=5)
    np.testing.assert_array_equal(got, expected)
    assert (np.asarray(expected) % 1 == 0.5).any()  # ties were counted one half


class VectorScorer:
    """Channel-ranking scorer: the dot product of vectors looked up by token id."""

    max_pairs = 7  # several blocks

    def __init__(self, query_vectors, candidate_vectors):
        self.query_vectors, self.candidate_vectors = query_vectors, candidate_vectors

    def prepare(self, query_ids, candidate_ids):
        self.queries = self.query_vectors[query_ids[:, 0]]
        self.candidates = self.candidate_vectors[candidate_ids[:, 0]]

    def matrix(self, query_rows, start, stop):
        return self.queries[query_rows] @ self.candidates[start:stop].T

    def pairs(self, query_rows, candidate_rows):
        return np.einsum("ij,ij->i", self.queries[query_rows], self.candidates[candidate_rows])


def test_channel_and_vector_ranking_give_the_same_metrics_under_the_same_keys(tmp_path):
    rng = np.random.default_rng(1)
    base = np.vstack([np.zeros((1, 2)), rng.integers(0, 3, size=(30, 2))]).astype(np.float32)
    queries = np.vstack([np.zeros((1, 2)), rng.integers(0, 3, size=(12, 2))]).astype(np.float32)
    truth = rng.integers(1, 31, size=12)  # query id i + 1 -> base id truth[i]
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [
        {"label": 1, "in0": [i + 1], "in1": [int(t)]} for i, t in enumerate(truth)])
    hp = Hyperparameters(enc0_max_seq_len=1, enc0_vocab_size=40, enc0_network="pooled_embedding")
    task = build_ranking_tasks(hp, {"pairs": pairs}, candidates=np.arange(1, 31),
                               filtered=False)["pairs"]
    from_channel = task.evaluate(VectorScorer(queries, base))
    from_vectors = vector_ranking_metrics(queries[1:], base[1:], truth - 1, "dot")
    assert set(from_channel) == {"hits_at_1", "hits_at_10", "hits_at_100", "mrr", "mean_rank"}
    assert from_channel == pytest.approx(
        {key: value for key, value in from_vectors.items() if key in from_channel})
    assert from_vectors["num_queries"] == 12 and from_vectors["num_candidates"] == 30


def test_ranking_exclude_self_defaults_to_a_shared_id_space():
    small = dict(enc0_max_seq_len=1, enc0_vocab_size=9, enc0_network="pooled_embedding")
    assert resolve_exclude_self(Hyperparameters(**small, tied_token_embedding_weight=True))
    assert not resolve_exclude_self(Hyperparameters(**small))  # user 5 and item 5 differ
    assert resolve_exclude_self(Hyperparameters(**small, enc0_vocab_file="v.json"))  # inherited
    assert not resolve_exclude_self(Hyperparameters(**small, enc0_vocab_file="a.json",
                                                    enc1_vocab_file="b.json"))
    explicit = Hyperparameters.from_dict({**small, "tied_token_embedding_weight": "True",
                                          "ranking_exclude_self": "False"})
    assert not resolve_exclude_self(explicit) and resolve_exclude_self(explicit, True)
    assert explicit.to_string_map()["ranking_exclude_self"] == "False"
    assert "ranking_exclude_self" not in Hyperparameters(**small).to_dict()


NODES = 24  # nodes 1..24; 2k - 1 and 2k are linked


@pytest.fixture(scope="module")
def tied_link_prediction(tmp_path_factory):
    """One graph, one tied token table, cosine: a node's own vector is its nearest candidate."""
    import keras

    from keras_o2v import Object2Vec

    folder = tmp_path_factory.mktemp("links")
    edges = [(a, a + 1) for a in range(1, NODES, 2)]
    records = [{"label": 1, "in0": [a], "in1": [b]} for x, y in edges for a, b in ((x, y), (y, x))]
    channels = {"train": write_jsonl(folder / "train.jsonl", records[:16]),
                "validation": write_jsonl(folder / "validation.jsonl", records[16:])}
    hp = Hyperparameters(enc0_network="pooled_embedding", enc0_max_seq_len=1,
                         enc0_vocab_size=NODES + 1, enc0_token_embedding_dim=6,
                         tied_token_embedding_weight=True, training_objective="retrieval",
                         ranking_max_candidates=100)
    keras.utils.set_random_seed(0)
    model = Object2Vec(hp)
    rng = np.random.default_rng(2)
    centres = rng.normal(size=(NODES // 2, 6))
    table = np.vstack([np.zeros((1, 6)), np.repeat(centres, 2, axis=0)
                       + 0.6 * rng.normal(size=(NODES, 6))])
    [variable] = [w for w in model.weights if tuple(w.shape) == (NODES + 1, 6)]
    variable.assign(table.astype("float32"))
    return model, channels, records


def brute_force_link_mrr(model, records, exclude_self):
    """MRR and hits@1 of the validation positives by the definitions, from `model.embed`."""
    nodes = np.arange(1, NODES + 1)
    unit = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)  # noqa: E731
    scores = unit(model.embed(in0=nodes[:, None])) @ unit(model.embed(in1=nodes[:, None])).T
    known = {(r["in0"][0], r["in1"][0]) for r in records}
    ranks = []
    for record in records[16:]:
        query, true = record["in0"][0], record["in1"][0]
        left_out = {c - 1 for c in nodes if (query, c) in known and c != true}
        if exclude_self:
            left_out.add(query - 1)
        ranks.append(realistic_rank(scores[query - 1], true - 1, left_out))
    return summarize_ranks(ranks, ks=(1,))


def test_a_tied_table_ranks_the_query_apart_from_its_own_object(tied_link_prediction, capsys):
    import keras_o2v

    model, channels, records = tied_link_prediction
    tasks = job_ranking_tasks(model.hyperparameters, channels["train"], channels["validation"],
                              None)
    assert "a query's own object left out (8 queries)" in capsys.readouterr().out
    job = channel_metrics(tasks, "validation", model)
    expected = brute_force_link_mrr(model, records, exclude_self=True)
    assert job["validation:hits_at_1"] > 0.5
    assert job["validation:mrr"] == pytest.approx(expected["mrr"], rel=1e-6)
    assert job["validation:hits_at_1"] == expected["hits_at_1"]
    evaluated = keras_o2v.evaluate_retrieval(model, channels["validation"], known=[channels["train"]])
    assert evaluated["mrr"] == pytest.approx(expected["mrr"], rel=1e-6)
    # Kept among its candidates, each query's own object ranks first: hits@1 is 0.
    kept = keras_o2v.evaluate_retrieval(model, channels["validation"], known=[channels["train"]],
                                        exclude_self=False, ks=(1,))
    assert kept["hits_at_1"] == 0.0
    assert kept["mrr"] == pytest.approx(brute_force_link_mrr(model, records, False)["mrr"], rel=1e-6)


def test_evaluate_retrieval_on_one_vectors_file_leaves_each_query_out(tmp_path, capsys):
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(10, 4))
    vectors = np.repeat(centres, 2, axis=0) + 0.3 * rng.normal(size=(20, 4))
    path = write_jsonl(tmp_path / "items.jsonl", [
        {"id": f"n{i}", "embeddings": v.tolist(), "truth": f"n{i ^ 1}"} for i, v in enumerate(vectors)])

    def evaluate(*flags):
        assert cli.main(["evaluate-retrieval", "--queries", path, "--base", path, "--ks", "1",
                         *flags]) == 0
        return {k: float(v) for k, v in (line.split("=") for line in
                                         capsys.readouterr().out.splitlines())}

    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = unit @ unit.T
    partner = np.arange(20) ^ 1
    expected = [realistic_rank(scores[i], partner[i], {i}) for i in range(20)]
    left_out = evaluate()
    assert left_out["hits_at_1"] > 0.5
    assert left_out["mrr"] == pytest.approx(np.mean(1 / np.asarray(expected)), rel=1e-5)
    assert evaluate("--include-self")["hits_at_1"] == 0.0


def test_neighbors_leave_a_querys_own_vector_out(tmp_path, capsys):
    vectors = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    index = NearestNeighbors(vectors, ids=["a", "b", "c", "d"])
    ids, scores = index.search(vectors[[0, 2]], k=2, exclude=["a", "zzz"])
    assert ids.tolist() == [["b", "d"], ["c", "d"]]
    rows, _ = index.search_rows(vectors, k=4, exclude_rows=np.arange(4))
    assert rows[:, :3].tolist() == [[1, 3, 2], [0, 3, 2], [3, 1, 0], [2, 1, 0]]
    assert (rows[:, 3] == -1).all()  # only three others are left
    np.save(tmp_path / "v.npy", vectors)
    (tmp_path / "v.ids.txt").write_text("a\nb\nc\nd\n")
    for flags, first in (([], ["b", "a", "d", "c"]), (["--include-self"], ["a", "b", "c", "d"])):
        cli.main(["neighbors", "--vectors", str(tmp_path / "v.npy"), "--k", "3", "--output", "-",
                  *flags])
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [line["neighbors"][0]["id"] for line in lines] == first
        assert all(len(line["neighbors"]) == 3 for line in lines)

"""Ranking evaluation of a pairs channel: each positive's in1 among the candidates, filtered.

For an evaluated channel (validation, test, or any pairs file):

- queries are the distinct `in0` objects of its positive pairs (`label > 0`);
- candidates are the distinct `in1` objects of the channel (all of them) and of
  every other channel given (in a job: train, validation and test), up to
  `max_candidates` in all: when there are more, every one of the channel's own
  objects stays and a uniform sample of the others (seeded, the same at every
  epoch) fills up to `max_candidates`; a given `candidates` set replaces the other
  channels' objects;
- filtered ranking (Bordes et al., 2013): the other known positives of the same
  query (in the channel and in every `known` channel) are left out of its
  candidates; `filtered=False` leaves only the true pair itself out;
- ranks and metrics are those of `keras_o2v.training.ranking_metrics` (realistic
  ranks for ties); `auc` is added for a channel with labels 0 and 1.

Objects are told apart by their 64-bit keys (`keras_o2v.data.object_keys`), read as
the model sees them (truncated to `encN_max_seq_len`). Queries and candidates are
embedded once per evaluation and scored in blocks (one matrix product per block
for a retrieval model, the comparator and MLP over the block's pairs for a pair
model), so memory stays bounded whatever the channel's size.

Example:
>>> tasks = build_ranking_tasks(hp, {"validation": "val.jsonl"}, known=["train.jsonl"])  # doctest: +SKIP
>>> tasks["validation"].evaluate(ModelScorer(model))  # doctest: +SKIP
{'hits_at_1': 0.21, 'hits_at_10': 0.62, 'hits_at_100': 0.97, 'mrr': 0.35, 'mean_rank': 14.2}
"""

import numpy as np

from keras_o2v.data.distinct_objects import DistinctObjects
from keras_o2v.data.object_keys import object_keys, padded_object_keys
from keras_o2v.data.records import iter_chunks
from keras_o2v.errors import DataError
from keras_o2v.metric_names import RANKING_KS
from keras_o2v.training.ranking_metrics import (
    count_above_and_tied,
    pair_auc,
    realistic_ranks,
    summarize_ranks,
)

DEFAULT_SEED = 0
# Elements of one block of scores (float32) ranked at a time.
BLOCK_ELEMENTS = 2**22


class _Channel:
    """The keys, labels and distinct objects of one channel, read once."""

    def __init__(self, channel, hp):
        self.channel = channel
        keys0, keys1, labels = [], [], []
        objects0, objects1 = DistinctObjects(), DistinctObjects()
        for chunk in iter_chunks(channel, hp):
            k0 = object_keys(chunk.in0_values, chunk.in0_lengths)
            k1 = object_keys(chunk.in1_values, chunk.in1_lengths)
            keys0.append(k0)
            keys1.append(k1)
            labels.append(np.asarray(chunk.labels).reshape(-1))
            objects0.add(chunk.in0_values, chunk.in0_lengths, k0)
            objects1.add(chunk.in1_values, chunk.in1_lengths, k1)
        self.objects0, self.objects1 = objects0.finish(), objects1.finish()
        self.keys0 = np.concatenate(keys0) if keys0 else np.zeros(0, np.int64)
        self.keys1 = np.concatenate(keys1) if keys1 else np.zeros(0, np.int64)
        self.labels = np.concatenate(labels) if labels else np.zeros(0)
        self.positive = self.labels > 0

    def positive_pairs(self):
        return self.keys0[self.positive], self.keys1[self.positive]


class _KnownChannel:
    """The positive pairs (of some queries) and the in1 objects of a channel used for filtering."""

    def __init__(self, channel, hp, query_keys):
        pairs0, pairs1, objects = [], [], DistinctObjects()
        for chunk in iter_chunks(channel, hp):
            k0 = object_keys(chunk.in0_values, chunk.in0_lengths)
            k1 = object_keys(chunk.in1_values, chunk.in1_lengths)
            wanted = (np.asarray(chunk.labels).reshape(-1) > 0) & np.isin(k0, query_keys)
            pairs0.append(k0[wanted])
            pairs1.append(k1[wanted])
            objects.add(chunk.in1_values, chunk.in1_lengths, k1)
        self.pairs = (np.concatenate(pairs0) if pairs0 else np.zeros(0, np.int64),
                      np.concatenate(pairs1) if pairs1 else np.zeros(0, np.int64))
        self.objects1 = objects.finish()


def build_ranking_tasks(hyperparameters, channels, known=(), candidates=None,
                        max_candidates=None, filtered=True, seed=DEFAULT_SEED, ks=RANKING_KS):
    """Reads channels once and prepares one `RankingTask` per evaluated channel.

    Args:
        hyperparameters: the model's `Hyperparameters` (vocabularies, max lengths).
        channels: `{name: channel}` of the channels to evaluate.
        known: other channels (e.g. the train channel) whose positives are filtered
            out and whose in1 objects are candidates.
        candidates: optional padded int ids `[n, width]` of the candidate in1
            objects, in place of the other channels' objects.
        max_candidates: at most this many candidates (default
            `ranking_max_candidates`); the channel's own objects always stay.
        filtered: leave the other known positives of a query out of its candidates.
        seed: seed of the candidate sample.
        ks: cut-offs of `hits_at_k`.

    Returns:
        `{name: RankingTask}`.
    """
    hp = hyperparameters
    max_candidates = hp.ranking_max_candidates if max_candidates is None else max_candidates
    read = {name: _Channel(channel, hp) for name, channel in channels.items()}
    query_keys = np.unique(np.concatenate([c.positive_pairs()[0] for c in read.values()]))
    others = [_KnownChannel(channel, hp, query_keys) for channel in known]
    known_pairs = [c.positive_pairs() for c in read.values()] + [c.pairs for c in others]
    known0 = np.concatenate([p[0] for p in known_pairs])
    known1 = np.concatenate([p[1] for p in known_pairs])
    if candidates is not None:
        ids = np.asarray(candidates, np.int64)
        ids = ids[:, :hp.encoder(1).max_seq_len] if ids.ndim == 2 else ids[:, None]
        extra = [(padded_object_keys(ids), ids)]
    tasks = {}
    for name, channel in read.items():
        if candidates is None:
            extra = [c.objects1 for c in others] + [
                other.objects1 for other_name, other in read.items() if other_name != name]
        tasks[name] = RankingTask(name, channel, extra, (known0, known1) if filtered else None,
                                  max_candidates, seed, ks)
    return tasks


class RankingTask:
    """The queries, candidates and known positives of one evaluated channel.

    Built by `build_ranking_tasks`; `evaluate(scorer)` ranks with a model.

    Attributes:
        name: the channel's name (`validation`, `test`, ...).
        num_positives: positive pairs ranked.
        num_queries: their distinct in0 objects.
        num_candidates: candidates each is ranked among (before filtering).
    """

    def __init__(self, name, channel, extra_objects, known_pairs, max_candidates, seed, ks):
        self.name = name
        self.ks = tuple(ks)
        self.filtered = known_pairs is not None
        keys0, self.query_ids = channel.objects0
        own_keys, own_ids = channel.objects1
        cand_keys, cand_ids = _candidates(own_keys, own_ids, extra_objects, max_candidates, seed)
        self.candidate_ids = cand_ids
        self.num_own_candidates = len(own_keys)
        positive0, positive1 = channel.positive_pairs()
        if len(positive0) == 0:
            raise DataError([(str(channel.channel), 0, "ranking needs positive pairs (label > 0)"
                                                        ", and this channel holds none")])
        self.positive_query = _index(keys0, positive0)
        self.positive_candidate = _index(cand_keys, positive1)
        self.record_query = _index(keys0, channel.keys0)
        self.record_candidate = _index(cand_keys, channel.keys1)
        self.labels = channel.labels
        self.binary = bool(np.isin(self.labels, (0, 1)).all() and (self.labels == 0).any()
                           and (self.labels == 1).any())
        if known_pairs is not None:
            q, c = _index(keys0, known_pairs[0]), _index(cand_keys, known_pairs[1])
            keep = (q >= 0) & (c >= 0)
            pairs = np.unique(np.stack([q[keep], c[keep]], axis=1), axis=0)
            self.known_query, self.known_candidate = pairs[:, 0], pairs[:, 1]
        self.num_positives = len(self.positive_query)
        self.num_queries = len(np.unique(self.positive_query))
        self.num_candidates = len(cand_keys)

    def describe(self):
        """One line saying what is ranked among what."""
        how = "filtered: other known positives of a query left out" if self.filtered \
            else "unfiltered: other known positives of a query are candidates too"
        return (f"{self.name}: {self.num_positives} positive pairs of {self.num_queries} queries "
                f"ranked among {self.num_candidates} candidates ({how}; realistic ranks for ties)")

    def evaluate(self, scorer):
        """Ranking metrics (and `auc` on a binary-labelled channel) of a scorer.

        Args:
            scorer: a `ModelScorer` (or any object with `prepare`, `matrix`, `pairs`
                and `max_pairs` as it has).

        Returns:
            `{"hits_at_1": ..., "hits_at_10": ..., "hits_at_100": ..., "mrr": ...,
            "mean_rank": ...}` plus `"auc"` when the channel has labels 0 and 1.
        """
        scorer.prepare(self.query_ids, self.candidate_ids)
        ranks = np.empty(self.num_positives)
        order = np.argsort(self.positive_query, kind="stable")
        queries = np.unique(self.positive_query)
        per_block = max(1, min(len(queries), BLOCK_ELEMENTS // max(self.num_candidates, 1),
                               scorer.max_pairs // max(self.num_candidates, 1) or 1))
        positive_query = self.positive_query[order]
        bounds = np.searchsorted(positive_query, queries)
        bounds = np.r_[bounds, len(order)]
        for start in range(0, len(queries), per_block):
            block = queries[start:start + per_block]
            scores = self._scores(scorer, block)
            rows = order[bounds[start]:bounds[min(start + per_block, len(queries))]]
            local = np.searchsorted(block, self.positive_query[rows])
            removed = self._removed(block, local, self.positive_candidate[rows])
            true = scores[local, self.positive_candidate[rows]]
            greater, equal = count_above_and_tied(scores[local], true, removed)
            ranks[rows] = realistic_ranks(greater, equal)
        metrics = summarize_ranks(ranks, self.ks)
        if self.binary:
            scores = scorer.pairs(self.record_query, self.record_candidate)
            metrics["auc"] = pair_auc(scores, self.labels)
        return metrics

    def _scores(self, scorer, block):
        step = max(1, scorer.max_pairs // len(block))
        parts = [scorer.matrix(block, start, min(start + step, self.num_candidates))
                 for start in range(0, self.num_candidates, step)]
        return np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]

    def _removed(self, block, local, true_candidates):
        """bool `[rows, candidates]`: each ranked row's own pair and, filtered, its query's
        other known positives."""
        removed = np.zeros((len(local), self.num_candidates), bool)
        if self.filtered:
            inside = np.isin(self.known_query, block)
            query_rows = np.searchsorted(block, self.known_query[inside])
            by_query = np.zeros((len(block), self.num_candidates), bool)
            by_query[query_rows, self.known_candidate[inside]] = True
            removed |= by_query[local]
        removed[np.arange(len(local)), true_candidates] = True
        return removed


class ModelScorer:
    """Scores for `RankingTask.evaluate` from a `keras_o2v.Object2Vec` in memory.

    Queries and candidates are embedded once (`Object2Vec.embed`); blocks are
    scored by `Object2Vec.score_embeddings` (log-odds of label 1 for a pair
    classifier, so saturated probabilities do not tie).

    Args:
        model: a `keras_o2v.Object2Vec`.
        batch_size: objects per embedding pass.
    """

    def __init__(self, model, batch_size=1024):
        self.model = model
        self.batch_size = batch_size
        # A pair model scores every pair through its MLP: bound the pairs per call.
        self.max_pairs = BLOCK_ELEMENTS if model.hyperparameters.is_retrieval else 2**16

    def prepare(self, query_ids, candidate_ids):
        self.queries = self.model.embed(in0=query_ids, batch_size=self.batch_size)
        self.candidates = self.model.embed(in1=candidate_ids, batch_size=self.batch_size)

    def matrix(self, query_rows, start, stop):
        scores = self.model.score_embeddings(self.queries[query_rows],
                                             self.candidates[start:stop], logits=True)
        return np.asarray(scores, np.float32)

    def pairs(self, query_rows, candidate_rows):
        out = []
        for start in range(0, len(query_rows), self.max_pairs):
            rows = slice(start, start + self.max_pairs)
            out.append(np.asarray(self.model.score_embeddings(
                self.queries[query_rows[rows]], self.candidates[candidate_rows[rows]],
                logits=True, pairwise=True)))
        return np.concatenate(out) if out else np.zeros(0, np.float32)


def _candidates(own_keys, own_ids, extra_objects, max_candidates, seed):
    """The channel's own objects, then other objects (a seeded sample beyond the limit)."""
    keys, ids = [own_keys], [own_ids]
    if extra_objects:
        extra_keys = np.concatenate([k for k, _ in extra_objects])
        extra_ids = _pad_concatenate([i for _, i in extra_objects])
        _, first = np.unique(extra_keys, return_index=True)
        first = np.sort(first)
        new = first[~np.isin(extra_keys[first], own_keys)]
        room = max(0, max_candidates - len(own_keys))
        if len(new) > room:
            rng = np.random.default_rng(seed)
            new = np.sort(rng.choice(new, size=room, replace=False))
        keys.append(extra_keys[new])
        ids.append(extra_ids[new])
    return np.concatenate(keys), _pad_concatenate(ids)


def _pad_concatenate(arrays):
    width = max(a.shape[1] for a in arrays)
    return np.concatenate([np.pad(a, ((0, 0), (0, width - a.shape[1]))) for a in arrays])


def _index(table_keys, keys):
    """Position of each key in `table_keys` (distinct), or -1."""
    order = np.argsort(table_keys, kind="stable")
    sorted_keys = table_keys[order]
    position = np.searchsorted(sorted_keys, keys)
    position = np.minimum(position, max(len(sorted_keys) - 1, 0))
    found = (sorted_keys[position] == keys) if len(sorted_keys) else np.zeros(len(keys), bool)
    return np.where(found, order[position], -1)


def job_ranking_tasks(hp, train, validation, test, printer=print):
    """The ranking tasks of a training job (validation and test), when it reports them.

    Candidates are the in1 objects of train, validation and test; the known
    positives of all three are filtered out (unless `ranking_filtered=False`, then
    only the true pair itself is: TensorFlow Recommenders' `FactorizedTopK`, where a
    query's training positives compete with the pair ranked). Prints what is ranked.

    Returns:
        `{"validation": RankingTask, "test": RankingTask}` (those channels given), or
        `{}` when `hp.reports_ranking_metrics` is false.
    """
    channels = {name: channel for name, channel in (("validation", validation), ("test", test))
                if channel is not None}
    if not hp.reports_ranking_metrics or not channels:
        return {}
    tasks = build_ranking_tasks(hp, channels, known=[train], filtered=hp.ranking_filtered)
    for task in tasks.values():
        printer(f"Ranking metrics on {task.describe()}.", flush=True)
    return tasks


def ranking_metrics(tasks, channel, model):
    """`{"<channel>:hits_at_10": ..., ...}` of `model` on `tasks[channel]`, or `{}`."""
    task = tasks.get(channel)
    if task is None:
        return {}
    return {f"{channel}:{name}": value for name, value in task.evaluate(ModelScorer(model)).items()}

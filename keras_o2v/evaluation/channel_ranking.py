"""Channel ranking: each positive pair's in1 among the channel's candidates, filtered.

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
- a query's own object is left out of its candidates too when `exclude_self`
  (default: the model's `ranking_exclude_self`, `auto`: when in0 and in1 share one id
  space, see `keras_o2v.evaluation.own_object`);
- ranks are realistic ranks (`keras_o2v.evaluation.ranks`), summarised as
  `hits_at_k`, `mrr` and `mean_rank` (`keras_o2v.evaluation.summaries`); `auc` is
  added for a channel with labels 0 and 1.

Queries and candidates are embedded once per evaluation and scored in blocks of at
most `BLOCK_ELEMENTS` scores (one matrix product per block for a retrieval model, the
comparator and MLP over the block's pairs for a pair model), so memory stays bounded
whatever the channel's size.

Example:
>>> tasks = build_ranking_tasks(hp, {"validation": "val.jsonl"}, known=["train.jsonl"])  # doctest: +SKIP
>>> tasks["validation"].evaluate(ModelScorer(model))  # doctest: +SKIP
{'hits_at_1': 0.21, 'hits_at_10': 0.62, 'hits_at_100': 0.97, 'mrr': 0.35, 'mean_rank': 14.2}
"""

import numpy as np

from keras_o2v.data.object_keys import padded_object_keys
from keras_o2v.errors import DataError
from keras_o2v.evaluation.auc import pair_auc
from keras_o2v.evaluation.channel_data import ChannelPairs, KnownPairs, candidate_objects, index_of
from keras_o2v.evaluation.own_object import resolve_exclude_self
from keras_o2v.evaluation.ranks import count_above_and_tied, realistic_ranks
from keras_o2v.evaluation.summaries import summarize_ranks
from keras_o2v.metric_names import RANKING_KS

DEFAULT_SEED = 0
# Elements of one block of scores (float32) ranked at a time.
BLOCK_ELEMENTS = 2**22


def build_ranking_tasks(hyperparameters, channels, known=(), candidates=None,
                        max_candidates=None, filtered=True, seed=DEFAULT_SEED, ks=RANKING_KS,
                        exclude_self=None):
    """Reads channels once and prepares one `RankingTask` per evaluated channel.

    Args:
        hyperparameters: the model's `Hyperparameters` (vocabularies, max lengths).
        channels: `{name: channel}` of the channels to evaluate.
        known: other channels (e.g. the train channel) whose positives are filtered
            out and whose in1 objects are candidates.
        candidates: optional padded int ids `[n, width]` (or one id per row `[n]`) of
            the candidate in1 objects, in place of the other channels' objects.
        max_candidates: at most this many candidates (default
            `ranking_max_candidates`); the channel's own objects always stay.
        filtered: leave the other known positives of a query out of its candidates.
        seed: seed of the candidate sample.
        ks: cut-offs of `hits_at_k`.
        exclude_self: leave a query's own object out of its candidates: `True`,
            `False`, `"auto"`, or None (the hyperparameters' `ranking_exclude_self`).

    Returns:
        `{name: RankingTask}`.
    """
    hp = hyperparameters
    max_candidates = hp.ranking_max_candidates if max_candidates is None else max_candidates
    without_self = resolve_exclude_self(hp, exclude_self)
    read = {name: ChannelPairs(channel, hp) for name, channel in channels.items()}
    query_keys = np.unique(np.concatenate([c.positive_pairs()[0] for c in read.values()]))
    others = [KnownPairs(channel, hp, query_keys) for channel in known]
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
                                  max_candidates, seed, ks, exclude_self=without_self)
    return tasks


class RankingTask:
    """The queries, candidates and known positives of one evaluated channel.

    Built by `build_ranking_tasks`; `evaluate(scorer)` ranks with a model.

    Attributes:
        name: the channel's name (`validation`, `test`, ...).
        num_positives: positive pairs ranked.
        num_queries: their distinct in0 objects.
        num_candidates: candidates each is ranked among (before filtering).
        exclude_self: whether a query's own object is left out of its candidates.
        num_self_candidates: queries whose own object (the same ids) is among the candidates.
    """

    def __init__(self, name, channel, extra_objects, known_pairs, max_candidates, seed, ks,
                 exclude_self=False):
        self.name = name
        self.ks = tuple(ks)
        self.filtered = known_pairs is not None
        keys0, self.query_ids = channel.objects0
        own_keys, own_ids = channel.objects1
        cand_keys, cand_ids = candidate_objects(own_keys, own_ids, extra_objects, max_candidates,
                                                seed)
        self.candidate_ids = cand_ids
        self.num_own_candidates = len(own_keys)
        positive0, positive1 = channel.positive_pairs()
        if len(positive0) == 0:
            raise DataError([(str(channel.channel), 0, "ranking needs positive pairs (label > 0)"
                                                        ", and this channel holds none")])
        self.positive_query = index_of(keys0, positive0)
        self.positive_candidate = index_of(cand_keys, positive1)
        self.record_query = index_of(keys0, channel.keys0)
        self.record_candidate = index_of(cand_keys, channel.keys1)
        self.labels = channel.labels
        self.binary = bool(np.isin(self.labels, (0, 1)).all() and (self.labels == 0).any()
                           and (self.labels == 1).any())
        if known_pairs is not None:
            q, c = index_of(keys0, known_pairs[0]), index_of(cand_keys, known_pairs[1])
            keep = (q >= 0) & (c >= 0)
            pairs = np.unique(np.stack([q[keep], c[keep]], axis=1), axis=0)
            self.known_query, self.known_candidate = pairs[:, 0], pairs[:, 1]
        # The candidate that is each query's own object (-1: none among the candidates).
        self.self_candidate = index_of(cand_keys, keys0)
        self.exclude_self = bool(exclude_self)
        self.num_self_candidates = int((self.self_candidate >= 0).sum())
        self.num_positives = len(self.positive_query)
        self.num_queries = len(np.unique(self.positive_query))
        self.num_candidates = len(cand_keys)

    def describe(self):
        """One line saying what is ranked among what."""
        how = "filtered: other known positives of a query left out" if self.filtered \
            else "unfiltered: other known positives of a query are candidates too"
        if self.exclude_self and self.num_self_candidates:
            how += f"; a query's own object left out ({self.num_self_candidates} queries)"
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
        other known positives and, with `exclude_self`, its query's own object."""
        removed = np.zeros((len(local), self.num_candidates), bool)
        if self.filtered:
            inside = np.isin(self.known_query, block)
            query_rows = np.searchsorted(block, self.known_query[inside])
            by_query = np.zeros((len(block), self.num_candidates), bool)
            by_query[query_rows, self.known_candidate[inside]] = True
            removed |= by_query[local]
        if self.exclude_self:
            own = self.self_candidate[block[local]]
            has_own = np.flatnonzero(own >= 0)
            removed[has_own, own[has_own]] = True
        removed[np.arange(len(local)), true_candidates] = True
        return removed

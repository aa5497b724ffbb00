"""One pass over a train channel: label counts, in1 object and token frequencies.

What retrieval training (the logQ correction and sampled negatives of
`keras_o2v.tasks.CandidateFrequencies`), calibrated probabilities
(`keras_o2v.layers.PriorCorrection`) and the frequency-weighted poolings of
`pooled_embedding` (`encN_pooling=idf|sif`) need to know about the data, read as
the model sees it (ids truncated to `encN_max_seq_len`), streaming and vectorised
per chunk.
"""

import dataclasses
from typing import Dict, Optional

import numpy as np

from keras_o2v.data.object_keys import bucket_of, object_keys, padded_object_keys
from keras_o2v.data.ragged_rows import unpad_rows
from keras_o2v.data.records import ChannelPart, iter_chunks
from keras_o2v.data.token_statistics import TokenStatistics


@dataclasses.dataclass
class ChannelStatistics:
    """Counts of one channel.

    Args:
        records: number of records.
        positives: records with `label > 0` (class 1, or a positive score).
        negatives: the other records (class 0, or a score <= 0).
        in1_bucket_counts: float64 `[num_buckets]` records per in1 key bucket, or None.
        tokens: side -> `TokenStatistics` of that side's objects, for the sides asked.
    """

    records: int
    positives: int
    negatives: int
    in1_bucket_counts: Optional[np.ndarray] = None
    tokens: Dict[int, TokenStatistics] = dataclasses.field(default_factory=dict)

    def positive_rate(self, negative_sampling_rate=0):
        """The share of positives the model trains on, with `rate` generated negatives
        per positive (SageMaker's `negative_sampling_rate`)."""
        total = self.records + negative_sampling_rate * self.positives
        return self.positives / total if total else 0.0


def channel_statistics(data, hyperparameters, num_buckets=None, token_sides=(),
                       require_label=True):
    """Counts labels (and in1 objects per bucket, and tokens per side) of a channel.

    Args:
        data: a JSON Lines file, folder or list of them (a channel), or a dataset of
            `({"in0": ids, "in1": ids}, labels)` batches as `make_dataset` yields.
        hyperparameters: a `keras_o2v.Hyperparameters`.
        num_buckets: count in1 objects into this many key buckets (None: skip).
        token_sides: the sides (0, 1) whose token counts and document frequencies
            to gather (`TokenStatistics`, each object one document).
        require_label: False for a channel without labels (then every record counts
            as a negative; only the token counts matter).

    Returns:
        A `ChannelStatistics`.

    Example:
    >>> stats = channel_statistics("train.jsonl", hp, num_buckets=1684)  # doctest: +SKIP
    >>> stats.positives, stats.in1_bucket_counts[50]  # doctest: +SKIP
    (55375, 508.0)
    """
    hp = hyperparameters
    counts = None if num_buckets is None else np.zeros(int(num_buckets), np.float64)
    tokens = {side: TokenStatistics.empty(hp.encoder(side).vocab_size) for side in token_sides}
    records = positives = 0
    for labels, sides, in1_keys in channel_chunks(data, hp, require_label):
        records += len(in1_keys)
        if labels is not None:
            positives += int(np.count_nonzero(labels > 0))
        if counts is not None:
            counts += np.bincount(bucket_of(in1_keys, num_buckets), minlength=len(counts))
        for side, statistics in tokens.items():
            statistics.add(*sides[side])
    return ChannelStatistics(records, positives, records - positives, counts, tokens)


def channel_chunks(data, hp, require_label=True):
    """Yields `(labels, ((in0 values, lengths), (in1 values, lengths)), in1 keys)` per chunk.

    Args: as `channel_statistics`; sides are truncated to `encN_max_seq_len`.
    """
    if isinstance(data, (str, bytes, list, ChannelPart)) or hasattr(data, "__fspath__"):
        for chunk in iter_chunks(data, hp, require_label=require_label):
            labels = None if chunk.labels is None else np.asarray(chunk.labels).reshape(-1)
            yield labels, ((chunk.in0_values, chunk.in0_lengths),
                           (chunk.in1_values, chunk.in1_lengths)), \
                object_keys(chunk.in1_values, chunk.in1_lengths)
        return
    max_lens = [hp.encoder(side).max_seq_len for side in (0, 1)]
    for batch in data.as_numpy_iterator():
        features, labels = batch[0], batch[1]
        ids = [np.asarray(features[f"in{side}"])[:, :max_lens[side]] for side in (0, 1)]
        sides = tuple(unpad_rows(side_ids) for side_ids in ids)
        yield np.asarray(labels).reshape(-1), sides, padded_object_keys(ids[1])

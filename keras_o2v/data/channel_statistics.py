"""One pass over a train channel: label counts and in1 object frequencies.

What retrieval training (the logQ correction and sampled negatives of
`keras_o2v.retrieval.CandidateFrequencies`) and calibrated probabilities
(`keras_o2v.training.calibration`) need to know about the data, read as the model
sees it (ids truncated to `encN_max_seq_len`), streaming and vectorised per chunk.
"""

import dataclasses
from typing import Optional

import numpy as np

from keras_o2v.data.object_keys import bucket_of, object_keys, padded_object_keys
from keras_o2v.data.records import ChannelPart, iter_chunks


@dataclasses.dataclass
class ChannelStatistics:
    """Counts of one channel.

    Args:
        records: number of records.
        positives: records with `label > 0` (class 1, or a positive score).
        negatives: the other records (class 0, or a score <= 0).
        in1_bucket_counts: float64 `[num_buckets]` records per in1 key bucket, or None.
    """

    records: int
    positives: int
    negatives: int
    in1_bucket_counts: Optional[np.ndarray] = None

    def positive_rate(self, negative_sampling_rate=0):
        """The share of positives the model trains on, with `rate` generated negatives
        per positive (SageMaker's `negative_sampling_rate`)."""
        total = self.records + negative_sampling_rate * self.positives
        return self.positives / total if total else 0.0


def channel_statistics(data, hyperparameters, num_buckets=None):
    """Counts labels (and in1 objects per bucket) of a channel or a `tf.data.Dataset`.

    Args:
        data: a JSON Lines file, folder or list of them (a channel), or a dataset of
            `({"in0": ids, "in1": ids}, labels)` batches as `make_dataset` yields.
        hyperparameters: a `keras_o2v.Hyperparameters`.
        num_buckets: count in1 objects into this many key buckets (None: skip).

    Returns:
        A `ChannelStatistics`.

    Example:
    >>> stats = channel_statistics("train.jsonl", hp, num_buckets=1684)  # doctest: +SKIP
    >>> stats.positives, stats.in1_bucket_counts[50]  # doctest: +SKIP
    (55375, 508.0)
    """
    counts = None if num_buckets is None else np.zeros(int(num_buckets), np.float64)
    records = positives = 0
    for labels, keys in _labels_and_keys(data, hyperparameters):
        records += len(labels)
        positives += int(np.count_nonzero(labels > 0))
        if counts is not None:
            counts += np.bincount(bucket_of(keys, num_buckets), minlength=len(counts))
    return ChannelStatistics(records, positives, records - positives, counts)


def _labels_and_keys(data, hp):
    max_len = hp.encoder(1).max_seq_len
    if isinstance(data, (str, bytes, list, ChannelPart)) or hasattr(data, "__fspath__"):
        for chunk in iter_chunks(data, hp):
            yield np.asarray(chunk.labels).reshape(-1), object_keys(chunk.in1_values,
                                                                    chunk.in1_lengths)
        return
    for batch in data.as_numpy_iterator():
        features, labels = batch[0], batch[1]
        ids = np.asarray(features["in1"])[:, :max_len]
        yield np.asarray(labels).reshape(-1), padded_object_keys(ids)

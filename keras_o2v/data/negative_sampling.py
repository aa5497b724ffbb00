"""Negative sampling by re-pairing objects (SageMaker's `negative_sampling_rate`).

For every positive pair (label 1) of a chunk, `rate` negatives (label 0) are
made by pairing its `in0` with the `in1` of another, randomly chosen positive
of the same chunk. Chunks hold thousands of records and are drawn afresh every
epoch, so each epoch sees new negatives. A generated negative can coincide with
a true pair that exists elsewhere in the data; at realistic data sizes this is
rare and SageMaker makes the same trade-off.
"""

import numpy as np

from keras_o2v.data.ragged_rows import take_rows
from keras_o2v.data.records import RecordChunk


def add_negatives(chunk, rate, rng):
    """Returns `chunk` with `rate` re-paired negatives per positive appended.

    Args:
        chunk: a `RecordChunk` with class labels.
        rate: negatives per positive (SageMaker's `negative_sampling_rate`).
        rng: a `numpy.random.Generator`.
    """
    positives = np.flatnonzero(chunk.labels == 1)
    n = len(positives)
    if rate <= 0 or n < 2:
        return chunk
    anchors = np.tile(positives, rate)
    # A non-zero shift within the positives guarantees a different partner.
    shift = rng.integers(1, n, size=len(anchors))
    partners = positives[(np.tile(np.arange(n), rate) + shift) % n]
    neg0, neg0_len = take_rows(chunk.in0_values, chunk.in0_lengths, anchors)
    neg1, neg1_len = take_rows(chunk.in1_values, chunk.in1_lengths, partners)
    return RecordChunk(
        in0_values=np.concatenate([chunk.in0_values, neg0]),
        in0_lengths=np.concatenate([chunk.in0_lengths, neg0_len]),
        in1_values=np.concatenate([chunk.in1_values, neg1]),
        in1_lengths=np.concatenate([chunk.in1_lengths, neg1_len]),
        labels=np.concatenate([chunk.labels, np.zeros(len(anchors), chunk.labels.dtype)]),
    )


"""The distinct objects of one side of a pairs channel, as the model sees them.

Objects are told apart by their 64-bit keys (`keras_o2v.data.object_keys`), after
truncation to `encN_max_seq_len`; each is kept once, in order of first appearance,
as right-padded int64 ids. Chunks are deduplicated as they stream in, so memory
grows with the number of distinct objects, not of records.

Example:
>>> keys, ids = distinct_objects("train.jsonl", hp, side=1)  # doctest: +SKIP
>>> ids.shape  # doctest: +SKIP
(1664, 1)
"""

import numpy as np

from keras_o2v.data.object_keys import object_keys
from keras_o2v.data.ragged_rows import pad_rows, take_rows
from keras_o2v.data.records import iter_chunks


class DistinctObjects:
    """Collects distinct ragged objects chunk by chunk; `finish()` gives keys and padded ids."""

    def __init__(self):
        self._chunks = []

    def add(self, values, lengths, keys):
        """Adds the rows of a ragged chunk (flat `values` split by `lengths`, their `keys`)."""
        _, first = np.unique(keys, return_index=True)
        first = np.sort(first)
        self._chunks.append((keys[first], take_rows(values, lengths, first)))

    def finish(self):
        """`(keys [n], ids [n, width])`: each object once, first appearance first."""
        if not self._chunks:
            return np.zeros(0, np.int64), np.zeros((0, 1), np.int64)
        keys = np.concatenate([k for k, _ in self._chunks])
        values = np.concatenate([v for _, (v, _) in self._chunks])
        lengths = np.concatenate([n for _, (_, n) in self._chunks])
        _, first = np.unique(keys, return_index=True)
        first = np.sort(first)
        values, lengths = take_rows(values, lengths, first)
        return keys[first], pad_rows(values, lengths)


def distinct_objects(channel, hyperparameters, side):
    """`(keys, padded ids)` of the distinct `in<side>` objects of a pairs channel.

    Args:
        channel: a JSON Lines file, a folder of shards, or a list of them.
        hyperparameters: the model's `Hyperparameters` (max lengths, vocabularies).
        side: 0 (`in0`) or 1 (`in1`).
    """
    objects = DistinctObjects()
    for chunk in iter_chunks(channel, hyperparameters):
        values = chunk.in0_values if side == 0 else chunk.in1_values
        lengths = chunk.in0_lengths if side == 0 else chunk.in1_lengths
        objects.add(values, lengths, object_keys(values, lengths))
    return objects.finish()

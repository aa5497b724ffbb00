"""What channel ranking reads from pairs channels: keys, labels, distinct objects, candidates.

Objects are told apart by their 64-bit keys (`keras_o2v.data.object_keys`), read as the
model sees them (truncated to `encN_max_seq_len`). Each channel is read once, in chunks.
"""

import numpy as np

from keras_o2v.data.distinct_objects import DistinctObjects
from keras_o2v.data.object_keys import object_keys
from keras_o2v.data.records import iter_chunks


class ChannelPairs:
    """The keys, labels and distinct objects of one evaluated channel, read once.

    Attributes:
        channel: the channel as given (file, folder or list).
        keys0, keys1: int64 `[records]` keys of each record's in0 and in1.
        labels: `[records]` labels.
        objects0, objects1: `(keys [n], padded ids [n, width])` of the distinct objects.
    """

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
        """`(keys0, keys1)` of the positive pairs (`label > 0`)."""
        return self.keys0[self.positive], self.keys1[self.positive]


class KnownPairs:
    """The positive pairs (of some queries) and the in1 objects of a channel used for filtering.

    Args:
        channel: a pairs channel.
        hp: the model's `Hyperparameters`.
        query_keys: keys of the queries whose positives are kept.
    """

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


def candidate_objects(own_keys, own_ids, extra_objects, max_candidates, seed):
    """The channel's own objects, then other objects (a seeded sample beyond the limit).

    Args:
        own_keys, own_ids: the channel's distinct in1 objects (always kept).
        extra_objects: `[(keys, ids), ...]` of other candidate objects.
        max_candidates: at most this many in all (the channel's own objects stay).
        seed: seed of the sample of the others.

    Returns:
        `(keys [n], padded ids [n, width])`.
    """
    keys, ids = [own_keys], [own_ids]
    if extra_objects:
        extra_keys = np.concatenate([k for k, _ in extra_objects])
        extra_ids = pad_concatenate([i for _, i in extra_objects])
        _, first = np.unique(extra_keys, return_index=True)
        first = np.sort(first)
        new = first[~np.isin(extra_keys[first], own_keys)]
        room = max(0, max_candidates - len(own_keys))
        if len(new) > room:
            rng = np.random.default_rng(seed)
            new = np.sort(rng.choice(new, size=room, replace=False))
        keys.append(extra_keys[new])
        ids.append(extra_ids[new])
    return np.concatenate(keys), pad_concatenate(ids)


def pad_concatenate(arrays):
    """Right-padded int id arrays `[n_i, width_i]` stacked into one `[sum n_i, max width]`."""
    width = max(a.shape[1] for a in arrays)
    return np.concatenate([np.pad(a, ((0, 0), (0, width - a.shape[1]))) for a in arrays])


def index_of(table_keys, keys):
    """Position of each key in `table_keys` (distinct), or -1."""
    order = np.argsort(table_keys, kind="stable")
    sorted_keys = table_keys[order]
    position = np.searchsorted(sorted_keys, keys)
    position = np.minimum(position, max(len(sorted_keys) - 1, 0))
    found = (sorted_keys[position] == keys) if len(sorted_keys) else np.zeros(len(keys), bool)
    return np.where(found, order[position], -1)

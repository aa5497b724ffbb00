"""Vectorized operations on ragged rows stored as flat values plus row lengths."""

import numpy as np

from keras_o2v.data.records import RecordChunk


def take_rows(values, lengths, rows):
    """Gathers ragged rows (flat `values` split by `lengths`) in the order `rows`."""
    starts = np.cumsum(lengths) - lengths
    new_lengths = lengths[rows]
    new_starts = np.cumsum(new_lengths) - new_lengths
    within = np.arange(new_lengths.sum()) - np.repeat(new_starts, new_lengths)
    return values[np.repeat(starts[rows], new_lengths) + within], new_lengths


def pad_rows(values, lengths):
    """Right-pads ragged rows with 0 into int64 `[rows, longest]` (at least 1 wide)."""
    out = np.zeros((len(lengths), max(int(lengths.max(initial=0)), 1)), np.int64)
    rows = np.repeat(np.arange(len(lengths)), lengths)
    columns = np.arange(len(values)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out[rows, columns] = values
    return out


def unpad_rows(ids):
    """The ragged rows `(values, lengths)` of right-padded int ids `[rows, length]` (0 is padding).

    Example:
    >>> values, lengths = unpad_rows(np.array([[5, 6, 0], [7, 0, 0]]))
    >>> values.tolist(), lengths.tolist()
    ([5, 6, 7], [2, 1])
    """
    ids = np.asarray(ids, np.int64)
    return ids[ids != 0], np.count_nonzero(ids, axis=1)


def pad_sequences(sequences):
    """Right-pads ragged id lists (or passes an int array through) to int64 `[n, longest]`.

    Args:
        sequences: a list of id lists (ragged is fine), or an int array `[n, length]`.

    Example:
    >>> pad_sequences([[5, 6, 7], [8]]).tolist()
    [[5, 6, 7], [8, 0, 0]]
    """
    if isinstance(sequences, np.ndarray) and sequences.ndim == 2:
        return sequences.astype(np.int64, copy=False)
    lengths = np.fromiter((len(s) for s in sequences), np.int64, count=len(sequences))
    values = np.fromiter((token for s in sequences for token in s), np.int64,
                         count=int(lengths.sum()))
    return pad_rows(values, lengths)


def select(chunk, rows):
    """The records `rows` of a `RecordChunk`, in that order."""
    in0, in0_lengths = take_rows(chunk.in0_values, chunk.in0_lengths, rows)
    in1, in1_lengths = take_rows(chunk.in1_values, chunk.in1_lengths, rows)
    return RecordChunk(in0, in0_lengths, in1, in1_lengths, chunk.labels[rows])


def concatenate(chunks):
    """One `RecordChunk` holding the records of `chunks` in order."""
    if len(chunks) == 1:
        return chunks[0]
    return RecordChunk(*(np.concatenate([getattr(c, field) for c in chunks]) for field in
                         ("in0_values", "in0_lengths", "in1_values", "in1_lengths", "labels")))

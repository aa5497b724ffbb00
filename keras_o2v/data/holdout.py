"""Holding out validation pairs from the train channel, record by record, while streaming.

`validation_fraction = f` (a keras_o2v extension) sends about a fraction `f` of the
train channel's pairs to validation. Whether a record is held out depends only on
its pair, `(in0, in1)` as the model sees it (after truncation to
`encN_max_seq_len`), and on `validation_seed`: a 64-bit hash of the two id
sequences and the seed is compared with `f`. So:

- nothing is read twice or held in memory: each chunk is split as it streams by;
- the split is the same in every epoch, in a resumed job and on every worker;
- a pair that occurs several times in the file (with the same or another label) is
  always on one side, so validation never scores a pair the model trained on;
- another `validation_seed` gives another split of the same size.

Example:
>>> holdout = HoldOut(fraction=0.1, seed=0)
>>> train, validation = holdout.part("train.jsonl"), holdout.validation().part("train.jsonl")
>>> keras_o2v.make_dataset(validation, hp, training=False)  # doctest: +SKIP
"""

import dataclasses

import numpy as np

from keras_o2v.data.ragged_rows import select
from keras_o2v.data.records import ChannelPart

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SIDE_SALT = (np.uint64(0x243F6A8885A308D3), np.uint64(0x13198A2E03707344))


@dataclasses.dataclass(frozen=True)
class HoldOut:
    """Which records of a channel are held out (see the module docstring).

    Args:
        fraction: expected share of held-out records, in (0, 1).
        seed: chooses the split.
        held_out: which part `select` keeps: False, the records that stay in
            the train channel; True, the held-out ones (the validation channel).
    """

    fraction: float
    seed: int = 0
    held_out: bool = False

    def validation(self):
        """The same split, selecting the held-out part."""
        return dataclasses.replace(self, held_out=True)

    def part(self, channel):
        """`channel`'s records on this side of the split, as a `ChannelPart`."""
        return ChannelPart(channel, self.select)

    def is_held_out(self, chunk):
        """Boolean `[len(chunk)]`: whether each record of a `RecordChunk` is held out."""
        if not len(chunk):
            return np.zeros(0, bool)
        with np.errstate(over="ignore"):
            h0 = _sequence_hashes(chunk.in0_values, chunk.in0_lengths, _SIDE_SALT[0])
            h1 = _sequence_hashes(chunk.in1_values, chunk.in1_lengths, _SIDE_SALT[1])
            pair = _mix(h0 ^ _mix(h1 + _mix(np.uint64(self.seed & (2**64 - 1)))))
        uniform = (pair >> np.uint64(11)).astype(np.float64) / float(2**53)
        return uniform < self.fraction

    def select(self, chunk):
        """The records of `chunk` on this side of the split (a `RecordChunk`)."""
        held = self.is_held_out(chunk)
        return _rows(chunk, held if self.held_out else ~held)

    def split(self, chunk):
        """`(kept in train, held out)` parts of `chunk`."""
        held = self.is_held_out(chunk)
        return _rows(chunk, ~held), _rows(chunk, held)


def _rows(chunk, keep):
    return chunk if keep.all() else select(chunk, np.flatnonzero(keep))


def _mix(x):
    """splitmix64's finaliser: a bijection of uint64 that spreads every input bit."""
    x = (x + _GOLDEN).astype(np.uint64)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _sequence_hashes(values, lengths, salt):
    """One uint64 per row of a ragged id array, depending on every id and its position."""
    lengths = np.asarray(lengths, np.int64)
    starts = np.cumsum(lengths) - lengths
    positions = np.arange(len(values), dtype=np.uint64) - np.repeat(starts, lengths).astype(np.uint64)
    tokens = _mix(np.asarray(values, np.int64).astype(np.uint64) ^ _mix(positions + salt))
    return _mix(np.add.reduceat(tokens, starts) + lengths.astype(np.uint64))

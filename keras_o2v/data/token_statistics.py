"""Token counts and document frequencies of one side's objects, counted in chunks.

The frequency-weighted poolings of `pooled_embedding` (`encN_pooling=idf|sif`, see
`keras_o2v.layers.token_weights`) read these counts: each object (the `in0` or
`in1` of one record) is one document. Objects are counted as the model sees them
(truncated to `encN_max_seq_len`); an object that occurs in k records counts k
times, as training weighs it. Padding (id 0) is not counted.
"""

import dataclasses

import numpy as np

from keras_o2v.data.ragged_rows import unpad_rows


@dataclasses.dataclass
class TokenStatistics:
    """Counts over a collection of objects.

    Args:
        documents: the number of objects.
        token_counts: int64 `[vocab_size]`: occurrences of each id.
        document_frequency: int64 `[vocab_size]`: objects holding each id.

    Example:
    >>> stats = TokenStatistics.empty(4)
    >>> stats.add(np.array([2, 2, 3, 3]), np.array([3, 1]))
    >>> stats.documents, stats.token_counts.tolist(), stats.document_frequency.tolist()
    (2, [0, 0, 2, 2], [0, 0, 1, 2])
    """

    documents: int
    token_counts: np.ndarray
    document_frequency: np.ndarray

    @classmethod
    def empty(cls, vocab_size):
        return cls(0, np.zeros(vocab_size, np.int64), np.zeros(vocab_size, np.int64))

    @property
    def vocab_size(self):
        return len(self.token_counts)

    @property
    def tokens_seen(self):
        """How many distinct ids (padding aside) occur at least once."""
        return int(np.count_nonzero(self.token_counts[1:]))

    def add(self, values, lengths):
        """Counts ragged rows: flat int ids `values` split by `lengths` (one row per object)."""
        values = np.asarray(values, np.int64)
        lengths = np.asarray(lengths, np.int64)
        self.documents += len(lengths)
        kept = values != 0
        ids = values[kept]
        self.token_counts += np.bincount(ids, minlength=self.vocab_size)
        rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)[kept]
        distinct = np.unique(rows * self.vocab_size + ids)  # one per (object, id)
        self.document_frequency += np.bincount(distinct % self.vocab_size,
                                               minlength=self.vocab_size)

    def add_padded(self, ids):
        """Counts right-padded rows `[objects, length]` (0 is padding)."""
        self.add(*unpad_rows(ids))

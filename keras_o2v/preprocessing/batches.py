"""Cutting a stream into lists of at most n items (TensorFlow is called once per list).

64 raw records per list keeps the memory of `prepare_pairs` flat (a few hundred kB)
while a TensorFlow call costs about a millisecond per list.
"""

import itertools

BATCH_SIZE = 64


def batched(items, size=BATCH_SIZE):
    """Yields lists of up to `size` consecutive items of an iterable, lazily.

    Example:
    >>> list(batched(range(5), 2))
    [[0, 1], [2, 3], [4]]
    """
    iterator = iter(items)
    while True:
        batch = list(itertools.islice(iterator, size))
        if not batch:
            return
        yield batch

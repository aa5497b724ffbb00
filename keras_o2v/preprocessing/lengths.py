"""The length distribution of a side of the prepared records: p50, p95, max."""


def length_percentiles(lengths, percents=(50, 95)):
    """Percentiles (nearest rank) and the maximum of a `Counter` length -> records.

    Args:
        lengths: `collections.Counter` mapping a length to how many records have it.
        percents: the percentiles to give.

    Returns:
        A dict `{"p50": ..., "p95": ..., "max": ...}` (zeros when empty).

    Example:
    >>> import collections
    >>> length_percentiles(collections.Counter({1: 50, 10: 45, 100: 5}))
    {'p50': 1, 'p95': 10, 'max': 100}
    """
    total = sum(lengths.values())
    result = {}
    for percent in percents:
        rank = max(1, -(-percent * total // 100))  # the smallest length covering percent %
        seen = 0
        value = 0
        for length in sorted(lengths):
            seen += lengths[length]
            if seen >= rank:
                value = length
                break
        result[f"p{percent}"] = value if total else 0
    result["max"] = max(lengths, default=0)
    return result


def describe_lengths(name, lengths):
    """One line `in0 lengths (tokens): p50 12, p95 31, max 82 (over 1,000 records)`."""
    values = length_percentiles(lengths)
    total = sum(lengths.values())
    return (f"{name} lengths: p50 {values['p50']}, p95 {values['p95']}, max {values['max']} "
            f"(over {total:,} records)")

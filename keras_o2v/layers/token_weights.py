"""Frequency weights of tokens for `pooled_embedding`'s `idf` and `sif` poolings.

Both are computed from counts over a collection of objects, each object one
document (`keras_o2v.data.token_statistics.TokenStatistics`):

- `idf`: `ln((1 + N) / (1 + df(t))) + 1` for `N` documents of which `df(t)` hold
  token `t` (scikit-learn's smoothed inverse document frequency, the weight of
  its `TfidfVectorizer`): a token in every document weighs 1, a rare one up to
  `ln(1 + N) + 1`, and a token never seen weighs as much as the rarest.
- `sif`: `a / (a + p(t))` with `p(t)` the share of all token occurrences that are
  `t` (Arora, Liang and Ma, "A Simple but Tough-to-Beat Baseline for Sentence
  Embeddings", ICLR 2017): frequent words fade, a token never seen weighs 1.
  `a` is `SIF_SMOOTHING`, 1e-3, the value the paper recommends (it reports good
  results for `a` between 1e-4 and 1e-3). The paper's second step (removing the
  projection on the first principal component of all sentence vectors) is not
  applied: it is a property of a fixed corpus, not of one object.

Id 0 (padding) gets weight 0; it is masked anyway.
"""

import numpy as np

SIF_SMOOTHING = 1e-3
# The poolings whose weights come from token counts.
WEIGHTED_POOLINGS = ("idf", "sif")


def idf_weights(document_frequency, documents):
    """Smoothed inverse document frequencies, one per token id.

    Args:
        document_frequency: int array `[vocab_size]`: documents holding each id.
        documents: the number of documents.

    Returns:
        float32 `[vocab_size]`, id 0 set to 0.

    Example:
    >>> idf_weights(np.array([0, 3, 1]), documents=3).round(3).tolist()
    [0.0, 1.0, 1.693]
    """
    df = np.asarray(document_frequency, np.float64)
    weights = np.log((1.0 + documents) / (1.0 + df)) + 1.0
    weights[:1] = 0.0
    return weights.astype(np.float32)


def sif_weights(token_counts, smoothing=SIF_SMOOTHING):
    """Smooth inverse frequencies `a / (a + p(t))`, one per token id.

    Args:
        token_counts: int array `[vocab_size]`: occurrences of each id.
        smoothing: `a`.

    Returns:
        float32 `[vocab_size]`, id 0 set to 0.

    Example:
    >>> sif_weights(np.array([0, 999, 1]), smoothing=1e-3).round(3).tolist()
    [0.0, 0.001, 0.5]
    """
    counts = np.asarray(token_counts, np.float64)
    counts = np.where(np.arange(len(counts)) == 0, 0.0, counts)
    probability = counts / max(counts.sum(), 1.0)
    weights = smoothing / (smoothing + probability)
    weights[:1] = 0.0
    return weights.astype(np.float32)


def pooling_weights(pooling, statistics, smoothing=SIF_SMOOTHING):
    """The weights of `pooling` ("idf" or "sif") from a `TokenStatistics`."""
    if pooling == "idf":
        return idf_weights(statistics.document_frequency, statistics.documents)
    if pooling == "sif":
        return sif_weights(statistics.token_counts, smoothing)
    raise ValueError(f"pooling must be one of {WEIGHTED_POOLINGS}, got {pooling!r}")

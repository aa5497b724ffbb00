"""Where the pairs of one document are cut: units (windows, sentences, tokens) and their pairs.

A document is its token ids and the spans `(start, end)` of its sentences. The
pure functions here decide, for one document, which units can start a pair and
what the pair is; `keras_o2v.preprocessing.cut_pairs` applies them to a corpus.

- `rest`: a unit (`in0`) against the rest of its document (`in1`: the tokens
  before it, then the tokens after it);
- `pair`: a unit (`in0`) against another unit of the same document that does
  not overlap it (`in1`), drawn at random;
- `context`: the tokens around a token (`in0`: up to `window` before it, then up
  to `window` after it) against the token itself (`in1`, one id), as in
  word2vec's CBOW.

Units of `unit="window"`: windows of `w = min(window, L // 2)` tokens of a
document of `L` tokens (a unit is never longer than half its document, so the
rest or the other unit is at least as long), starting every `stride` tokens
(default `w`: windows that tile the document), plus a last window that ends with
the document. Units of `unit="sentence"`: the sentences. A document gives no
pair when it has fewer than 2 tokens (windows), fewer than 2 sentences
(sentences), or fewer than 2 tokens (`context`).
"""

CUT_MODES = ("rest", "pair", "context")
UNITS = ("window", "sentence")


def unit_spans(length, sentence_spans, mode, unit, window, stride=None):
    """The spans `(start, end)` of the units that can start a pair, in document order.

    Args:
        length: the number of tokens of the document.
        sentence_spans: `(start, end)` of each sentence (used by `unit="sentence"`).
        mode: one of `CUT_MODES`.
        unit: one of `UNITS` (`context` always works on tokens).
        window: the window length (`window` units) or the context width on each
            side of a token (`context`).
        stride: tokens between window starts (default: the window length), or
            between tokens of `context` (default 1).

    Returns:
        A list of `(start, end)`.

    Example:
    >>> unit_spans(7, [], "rest", "window", 3)
    [(0, 3), (3, 6), (4, 7)]
    >>> unit_spans(5, [], "rest", "window", 10)  # windows of 5 // 2 = 2 tokens
    [(0, 2), (2, 4), (3, 5)]
    """
    if length < 2:
        return []
    if mode == "context":
        return [(p, p + 1) for p in range(0, length, stride or 1)]
    if unit == "sentence":
        return list(sentence_spans) if len(sentence_spans) >= 2 else []
    width = min(window, length // 2)
    step = stride or width
    starts = list(range(0, length - width + 1, step))
    if starts[-1] != length - width:
        starts.append(length - width)
    spans = [(start, start + width) for start in starts]
    if mode == "pair":  # with a short stride, a middle window may overlap every other one
        spans = [s for s in spans if _others(spans, s)]
    return spans


def make_pair(ids, spans, index, mode, window, rng):
    """The `(in0, in1)` of unit `spans[index]` of a document with token `ids`.

    Args:
        ids: the document's token ids.
        spans: its units (`unit_spans`).
        index: the unit starting the pair.
        mode: one of `CUT_MODES`.
        window: the context width on each side (`context`).
        rng: a `numpy.random.Generator` (draws the other unit of `pair`).

    Example:
    >>> make_pair([5, 6, 7, 8], [(0, 2), (2, 4)], 1, "rest", 2, None)
    ([7, 8], [5, 6])
    """
    start, end = spans[index]
    if mode == "rest":
        return ids[start:end], ids[:start] + ids[end:]
    if mode == "context":
        return ids[max(0, start - window):start] + ids[end:end + window], ids[start:end]
    for _ in range(32):  # a random unit rarely overlaps; a long document needs no list
        other_start, other_end = spans[int(rng.integers(len(spans)))]
        if other_end <= start or other_start >= end:
            return ids[start:end], ids[other_start:other_end]
    others = _others(spans, spans[index])
    other_start, other_end = others[int(rng.integers(len(others)))]
    return ids[start:end], ids[other_start:other_end]


def _others(spans, span):
    """The spans that do not overlap `span`."""
    return [s for s in spans if s[1] <= span[0] or s[0] >= span[1]]

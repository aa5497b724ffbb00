"""A minimal tokenizer and vocabulary for turning dataset texts into Object2Vec ids.

Private to `keras_o2v.datasets`; `keras_o2v.preprocessing` holds the full-featured one.
Id 0 is `<pad>` and id 1 is `<unk>`, so real words start at 2.
"""

import collections
import re

PAD, UNK = "<pad>", "<unk>"
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokenize(text):
    """Lower-cases `text` and returns its words (letters/digits, with an inner apostrophe).

    Example:
    >>> tokenize("Don't PANIC, it's 42!")
    ["don't", 'panic', "it's", '42']
    """
    return _WORD.findall(text.lower())


def build_vocabulary(token_lists, min_count=1, max_size=None):
    """Builds `{token: id}` with `<pad>`=0, `<unk>`=1, then tokens by falling count (ties alphabetical).

    Args:
        token_lists: iterable of token lists.
        min_count: drop tokens seen fewer times.
        max_size: keep at most this many entries in total (reserved ids included).

    Example:
    >>> build_vocabulary([["b", "a", "b"]])
    {'<pad>': 0, '<unk>': 1, 'b': 2, 'a': 3}
    """
    counts = collections.Counter(token for tokens in token_lists for token in tokens)
    ranked = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
    if max_size is not None:
        ranked = ranked[: max(0, max_size - 2)]
    vocabulary = {PAD: 0, UNK: 1}
    for token in ranked:
        vocabulary[token] = len(vocabulary)
    return vocabulary


def encode(tokens, vocabulary):
    """Maps tokens to ids; unknown tokens become `<unk>` (1).

    Example:
    >>> encode(["a", "zzz"], {"<pad>": 0, "<unk>": 1, "a": 2})
    [2, 1]
    """
    unk = vocabulary[UNK]
    return [vocabulary.get(token, unk) for token in tokens]

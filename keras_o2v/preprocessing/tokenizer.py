"""The default text tokenizer: Unicode-aware, lowercasing, regex word split."""

import re
import unicodedata

DEFAULT_PATTERN = r"\w+(?:['’]\w+)*|[^\w\s]"
# ASCII letters and digits with an inner apostrophe; punctuation and other scripts are
# dropped. The data-set recipes and benchmarks (20 Newsgroups, Reuters) use it.
ALPHANUMERIC_WORDS = r"[a-z0-9]+(?:'[a-z]+)?"


class Tokenizer:
    """Splits text into tokens with a regular expression.

    The text is Unicode-normalised (NFC, so a decomposed "é" stays one letter),
    lowercased with `str.lower` when `lowercase` is True, and split into the
    matches of `pattern`. The default pattern keeps runs of Unicode word characters
    (letters and digits of any script, `_`), joined by inner apostrophes ("don't",
    "l’homme"), and makes every other non-space character a token of its own, so
    punctuation is kept ("men, playing!" -> `["men", ",", "playing", "!"]`).
    Whitespace is dropped.

    Any callable mapping a string to a list of strings can be used wherever a
    tokenizer is accepted (e.g. `str.split`, or NLTK's `TreebankWordTokenizer().tokenize`).

    Args:
        pattern: regular expression whose matches are the tokens; `r"\\S+"` splits
            on whitespace only.
        lowercase: lowercase the text before splitting.

    Example:
    >>> Tokenizer()("Men playing SPORT, in the café.")
    ['men', 'playing', 'sport', ',', 'in', 'the', 'café', '.']
    """

    def __init__(self, pattern=DEFAULT_PATTERN, lowercase=True):
        self.pattern = pattern
        self.lowercase = lowercase
        self._regex = re.compile(pattern)

    def __call__(self, text):
        text = unicodedata.normalize("NFC", text)
        if self.lowercase:
            text = text.lower()
        return self._regex.findall(text)

    def get_config(self):
        return {"pattern": self.pattern, "lowercase": self.lowercase}

    def __repr__(self):
        return f"Tokenizer(pattern={self.pattern!r}, lowercase={self.lowercase})"

"""`Tokenizer`: a text -> tokens callable over `keras_o2v.text.TextPreprocessor`'s tokenisation.

Kept for code written against keras_o2v 0.1, whose `Tokenizer` was a Python regex;
it now runs the TensorFlow tokenisation of `TextPreprocessor` (one text per call, so
prefer `TextPreprocessor.token_lists` for many texts). Patterns are RE2
(`keras_o2v.text.patterns`): `DEFAULT_PATTERN` and `ALPHANUMERIC_WORDS` are the
built-in `"words"` and `"alphanumeric"` patterns, and keras_o2v 0.1's Python default
pattern is read as `"words"`.
"""

from keras_o2v.errors import O2VError
from keras_o2v.text.patterns import ALPHANUMERIC, WORDS

DEFAULT_PATTERN = WORDS
ALPHANUMERIC_WORDS = ALPHANUMERIC
# keras_o2v 0.1's default, a Python pattern (Unicode \w); "words" is its RE2 equivalent.
PYTHON_DEFAULT_PATTERN = r"\w+(?:['’]\w+)*|[^\w\s]"


class Tokenizer:
    """Splits one text into tokens, with `TextPreprocessor`'s standardisation and pattern.

    The text is standardised (`keras_o2v.text.standardization`: Unicode lowercasing
    when `lowercase` is True, ’ -> ', control characters and Unicode spaces -> " ")
    and split into the matches of `pattern`. The default pattern keeps runs of
    letters, marks and digits of any script and `_`, joined by inner apostrophes
    ("don't", "l'homme"), and makes every other non-space character a token of its
    own, so punctuation is kept.

    Args:
        pattern: a built-in pattern name (`"words"`, `"alphanumeric"`) or an RE2
            pattern whose matches are the tokens; `r"\\S+"` splits on whitespace only.
        lowercase: lowercase the text before splitting.

    Example:
    >>> Tokenizer()("Men playing SPORT, in the café.")
    ['men', 'playing', 'sport', ',', 'in', 'the', 'café', '.']
    """

    def __init__(self, pattern=DEFAULT_PATTERN, lowercase=True):
        self.pattern = pattern
        self.lowercase = lowercase
        self._preprocessor = None

    @property
    def preprocessor(self):
        """The `TextPreprocessor` (without vocabulary) that tokenises."""
        if self._preprocessor is None:
            from keras_o2v.text import TextPreprocessor

            pattern = WORDS if self.pattern == PYTHON_DEFAULT_PATTERN else self.pattern
            self._preprocessor = TextPreprocessor(pattern=pattern, lowercase=self.lowercase)
        return self._preprocessor

    def __call__(self, text):
        return self.preprocessor.token_lists([text])[0]

    def get_config(self):
        return {"pattern": self.pattern, "lowercase": self.lowercase}

    def __repr__(self):
        return f"Tokenizer(pattern={self.pattern!r}, lowercase={self.lowercase})"


def as_text_preprocessor(tokenizer):
    """The `TextPreprocessor` of a `Tokenizer`, a `TextPreprocessor` itself, or the
    default one for None.

    Raises:
        O2VError: any other callable: its tokens could not be computed inside the
            model, so prepared ids would not be those the model computes from text.
    """
    from keras_o2v.text import TextPreprocessor

    if tokenizer is None:
        return TextPreprocessor()
    if isinstance(tokenizer, TextPreprocessor):
        return tokenizer
    if isinstance(tokenizer, Tokenizer):
        return tokenizer.preprocessor
    raise O2VError(
        f"tokenizer must be a keras_o2v Tokenizer or TextPreprocessor, got {tokenizer!r}: a "
        "Python tokenizer cannot run inside the model or its SavedModel; give its rule as "
        "an RE2 token pattern (pattern=...), or pre-tokenised inputs (JSON lists of tokens)")

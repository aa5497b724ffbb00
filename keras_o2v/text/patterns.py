"""The token patterns of `TextPreprocessor`: RE2 regular expressions whose matches are the tokens.

TensorFlow's string ops use RE2, whose `\\w` and `\\d` are ASCII-only; the built-in
patterns spell Unicode classes out (`\\pL` letters, `\\pM` marks, `\\pN` digits and
other numbers), so every script is split alike. Built-in patterns, by name:

- `"words"` (the default): runs of letters, marks, digits and `_` of any script,
  joined by inner apostrophes ("don't", "l'homme"), and every other character that is
  not a space as a token of its own (punctuation, symbols, emoji):
  `"Men playing SPORT, in the café."` -> `men playing sport , in the café .`;
- `"alphanumeric"`: ASCII letters and digits with an optional inner apostrophe
  (`[a-z0-9]+(?:'[a-z]+)?`); punctuation and other scripts are dropped. The data-set
  recipes and benchmarks (20 Newsgroups, Reuters) use it.

Any other string is taken as an RE2 pattern (https://github.com/google/re2/wiki/Syntax).
Its whole match is the token (groups do not select a part, unlike Python's
`re.findall`); empty matches are not tokens.

Whatever the pattern, the literal `<unk>` is a token of its own and maps to the
unknown id 1: corpora such as Penn Treebank and WikiText write a removed word that way.
"""

WORDS = r"[\pL\pM\pN_]+(?:'[\pL\pM\pN_]+)*|[^\pL\pM\pN_\s]"
ALPHANUMERIC = r"[a-z0-9]+(?:'[a-z]+)?"
PATTERNS = {"words": WORDS, "alphanumeric": ALPHANUMERIC}
DEFAULT_PATTERN_NAME = "words"
UNKNOWN_LITERAL = "<unk>"


def resolve_pattern(pattern):
    """The RE2 pattern a pattern name (`"words"`, `"alphanumeric"`) or pattern stands for.

    Args:
        pattern: a name of `PATTERNS`, or an RE2 pattern; None means the default.

    Returns:
        The RE2 pattern string.

    Example:
    >>> resolve_pattern("alphanumeric")
    "[a-z0-9]+(?:'[a-z]+)?"
    """
    if pattern is None:
        return WORDS
    if not isinstance(pattern, str) or not pattern:
        raise ValueError(f"pattern must be a pattern name {sorted(PATTERNS)} or a non-empty RE2 "
                         f"pattern, got {pattern!r}")
    return PATTERNS.get(pattern, pattern)


def pattern_name(pattern):
    """The built-in name of an RE2 pattern, or None for a user pattern."""
    return next((name for name, value in PATTERNS.items() if value == pattern), None)


def tokenizing_pattern(pattern):
    """The pattern the tokenizer runs: the literal `<unk>` first, then `pattern`."""
    return f"{UNKNOWN_LITERAL}|(?:{pattern})"

"""How `prepare_pairs` and `cut_pairs` tokenise: the options given, or those saved with the vocabulary.

A vocabulary built by keras_o2v 0.2 has a `text_preprocessing.json` beside it that
records its token pattern, lowercasing and out-of-vocabulary buckets. When the
vocabulary is reused or extended, those settings are used: preparing validation
data needs only `--vocab`. A pattern or lowercasing given explicitly must agree
with them (a vocabulary is only meaningful with the tokenisation that built it;
`rebuild` starts over with the options given); a number of buckets given replaces
the saved one (buckets only add ids after the vocabulary's), and the settings file
is rewritten with it.
"""

import dataclasses
import os
from typing import Optional

from keras_o2v.errors import O2VError
from keras_o2v.text import patterns
from keras_o2v.text.settings_file import (
    SETTINGS_FILE,
    check_oov_hash,
    read_settings,
    settings_of_vocabulary,
)


@dataclasses.dataclass
class TextOptions:
    """Tokenisation options; None means "not given" (saved settings, else the default).

    Args:
        pattern: a built-in pattern name or an RE2 pattern (default `"words"`).
        lowercase: lowercase texts (default True).
        oov_buckets: hashed ids for tokens the vocabulary lacks (default 0).
    """

    pattern: Optional[str] = None
    lowercase: Optional[bool] = None
    oov_buckets: Optional[int] = None

    def __post_init__(self):
        if self.oov_buckets is not None and (isinstance(self.oov_buckets, bool) or not isinstance(
                self.oov_buckets, int) or self.oov_buckets < 0):
            raise O2VError(f"oov_buckets must be an integer >= 0, got {self.oov_buckets!r}")
        if self.pattern is not None:
            try:
                self.pattern = patterns.resolve_pattern(self.pattern)
            except ValueError as error:
                raise O2VError(str(error)) from None


def resolve_text_options(options, vocab_path, maps, rebuild_hint):
    """The `TextOptions` to use with a vocabulary file (every field set).

    Args:
        options: the `TextOptions` given.
        vocab_path: the vocabulary file (it may not exist yet).
        maps: `"reuse"`, `"extend"` or `"rebuild"`.
        rebuild_hint: how to rebuild, for errors (e.g. "rerun with --rebuild").

    Raises:
        O2VError: an option that contradicts the saved settings, or out-of-vocabulary
            buckets for a vocabulary written before FarmHash buckets.
    """
    exists = vocab_path is not None and os.path.exists(vocab_path)
    saved = settings_of_vocabulary(vocab_path) if exists and maps != "rebuild" else None
    resolved = TextOptions(patterns.WORDS, True, 0)
    if saved is not None:
        resolved = TextOptions(saved.pattern, saved.lowercase, saved.oov_buckets)
    for field in ("pattern", "lowercase", "oov_buckets"):
        given = getattr(options, field)
        if given is None:
            continue
        # Buckets only add ids after the vocabulary's; the tokenisation defines its tokens.
        if saved is not None and given != getattr(saved, field) and field != "oov_buckets":
            raise O2VError(
                f"{vocab_path} was built with {field}={getattr(saved, field)!r} "
                f"({SETTINGS_FILE} beside it), not {given!r}: leave the option out to use the "
                f"saved one, or {rebuild_hint} to build a new vocabulary")
        setattr(resolved, field, given)
    if exists and maps != "rebuild":
        check_oov_hash(vocab_path, resolved.oov_buckets, rebuild=rebuild_hint)
    return resolved


def same_settings(path, options):
    """Whether the settings file at `path` exists and holds the tokenisation `options`."""
    if not os.path.exists(path):
        return False
    saved = read_settings(path)
    return (saved.pattern, saved.lowercase, saved.oov_buckets) == \
        (options.pattern, options.lowercase, options.oov_buckets)

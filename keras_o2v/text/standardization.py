"""Standardising texts before they are split into tokens, in TensorFlow string ops.

In order:
1. invalid UTF-8 (e.g. from a gRPC request of raw bytes) becomes U+FFFD, so every
   later op sees valid UTF-8 (`tf.strings.unicode_transcode`);
2. Unicode lowercasing (`tf.strings.lower(..., encoding="utf-8")`, ICU's full case
   mapping: "ÉTÉ" -> "été", a final "Σ" -> "ς"), unless `lowercase=False`;
3. the typographic apostrophe ’ (U+2019) becomes `'`, so "l’homme" and "l'homme" are
   one word;
4. every run of control characters (Unicode Cc: tabs, line breaks, NUL, ...),
   separators (Unicode Z: the no-break and other spaces, line and paragraph
   separators), zero-width spaces and byte-order marks becomes one space.

There is no Unicode normalisation (core TensorFlow has no NFC op): texts are taken
as given, which is NFC for nearly all sources. A decomposed "é" (e + U+0301) stays
inside its word (U+0301 is a mark, `\\pM`) but is another token than the composed
"é".
"""

import tensorflow as tf

APOSTROPHE = "\u2019"
WHITESPACE = r"[\p{Cc}\p{Z}\x{200B}\x{2060}\x{FEFF}]+"


def standardize(texts, lowercase=True):
    """Standardises a string tensor of UTF-8 texts (any shape); see the module docstring.

    Args:
        texts: a `tf.string` tensor.
        lowercase: lowercase the texts.

    Returns:
        A `tf.string` tensor of the same shape.

    Example:
    >>> standardize(tf.constant(["L’ÉTÉ\\tdernier"])).numpy()[0].decode()
    "l'été dernier"
    """
    texts = tf.strings.unicode_transcode(texts, "UTF-8", "UTF-8", errors="replace",
                                         replacement_char=0xFFFD)
    if lowercase:
        texts = tf.strings.lower(texts, encoding="utf-8")
    texts = tf.strings.regex_replace(texts, APOSTROPHE, "'")
    return tf.strings.regex_replace(texts, WHITESPACE, " ")

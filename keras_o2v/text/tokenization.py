"""Every match of an RE2 pattern in each text, in TensorFlow string ops (a "findall").

`tf.strings.regex_replace` wraps every match in a separator character, and
`tf.strings.split` on that separator leaves the matches at the odd positions. RE2,
like Python's `re`, takes the leftmost match and, among alternatives, the first that
matches, so on the same pattern the tokens are those of `re.findall` (without groups).
"""

import tensorflow as tf

SEPARATOR = "\x1f"  # a control character: standardised texts hold none


def find_all(texts, pattern):
    """The non-empty matches of `pattern` in each text of a `[batch]` string tensor.

    Args:
        texts: a `tf.string` tensor `[batch]`.
        pattern: an RE2 pattern.

    Returns:
        A `tf.RaggedTensor` of strings `[batch, None]`: the matches, in order.

    Example:
    >>> find_all(tf.constant(["a1 b22"]), "[a-z]\\\\d+").to_list()
    [[b'a1', b'b22']]
    """
    texts = tf.strings.regex_replace(texts, SEPARATOR, " ")
    marked = tf.strings.regex_replace(texts, f"({pattern})", SEPARATOR + r"\1" + SEPARATOR)
    matches = tf.strings.split(marked, SEPARATOR)[:, 1::2]
    return tf.ragged.boolean_mask(matches, tf.strings.length(matches) > 0)

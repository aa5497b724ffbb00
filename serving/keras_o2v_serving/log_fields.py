"""Request-controlled text made safe for a one-line log record.

A model name, a path, a `signature_name` or an error message that echoes the
request can hold a newline (`%0a` in a URL, `\\n` in JSON), a carriage return, a NUL
or a terminal escape; written as they are, they forge log lines or corrupt the log.
`escape` writes every control character (C0, DEL, C1), the Unicode line and
paragraph separators and the bidirectional overrides as visible escapes, and
doubles the backslash so an escape a client typed cannot pass for one of ours.

Example:
>>> escape("o2v\\nFORGED INFO predict")
'o2v\\\\nFORGED INFO predict'
>>> escape("a\\x00b\\x1b[31m")
'a\\\\x00b\\\\x1b[31m'
"""

import itertools

_NAMED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_CODES = itertools.chain(
    range(0x00, 0x20), [0x7F], range(0x80, 0xA0),  # C0, DEL, C1 (U+0085 is a line break too)
    [0x2028, 0x2029],  # line and paragraph separators
    range(0x202A, 0x202F), range(0x2066, 0x206A))  # bidirectional embeddings, overrides, isolates
_TABLE = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _CODES}
_TABLE.update({0xDC00 + byte: f"\\x{byte:02x}" for byte in range(0x80, 0x100)})  # undecodable bytes
_TABLE.update({ord(char): text for char, text in _NAMED.items()})


def escape(value, limit=None):
    """`value` as text that stays on one log line, shown as written.

    Args:
        value: any value (`str()` is taken of non-strings; bytes are decoded as
            UTF-8, a byte that is not UTF-8 shown as `\\xNN`).
        limit: when given, at most this many characters of `value` are kept, and
            `...` marks the cut.

    Returns:
        The escaped text.
    """
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "surrogateescape")
    elif not isinstance(value, str):
        value = str(value)
    cut = limit is not None and len(value) > limit
    text = (value[:limit] if cut else value).translate(_TABLE)
    return text + "..." if cut else text

"""The one rule for token ids, and its messages: every reader of ids checks them here.

A token id is an integer (not a boolean) in `[0, encN_vocab_size)`; 0 is padding.
An object's id list is a non-empty JSON list. The training-record parser (line by
line and its vectorised fast path), the inference protocol, `o2v embed` and the
exported graph's assertions all use these functions or messages, so a bad id reads
the same wherever it is caught.

Example:
>>> id_problem(12, side=0, vocab_size=10)
"'in0' id 12 is out of vocabulary (not less than enc0_vocab_size=10)"
>>> sequence_problem([], side=1)
"'in1' is empty; every object needs at least one token id"
"""

import json

import numpy as np


def id_problem(token, side, vocab_size=None, vocab_description=None):
    """What is wrong with one token id, or None.

    Args:
        token: the decoded JSON value.
        side: 0 or 1 (names `'in0'` / `'in1'`).
        vocab_size: the upper bound, or None to check the type and sign only.
        vocab_description: how to name the bound (default `encN_vocab_size=V`),
            e.g. `EncoderSettings.describe("vocab_size")`, which says where an
            inherited value came from.
    """
    key = f"'in{side}'"
    if type(token) is bool:
        return f"{key} holds a boolean ({_short(token)}); token ids must be integers"
    if type(token) is not int:
        return f"{key} id {_short(token)} is not an integer; token ids must be integers"
    if token < 0:
        return f"{key} id {token} is negative"
    if vocab_size is not None and token >= vocab_size:
        bound = vocab_description or f"enc{side}_vocab_size={vocab_size}"
        return f"{key} id {token} is out of vocabulary (not less than {bound})"
    return None


def sequence_shape_problem(ids, side):
    """What is wrong with an object's id list as a list (not its ids), or None."""
    if not isinstance(ids, list):
        return f"'in{side}' must be a list of integer token ids, got {json_type_name(ids)}"
    if not ids:
        return f"'in{side}' is empty; every object needs at least one token id"
    return None


def sequence_problem(ids, side, vocab_size=None, vocab_description=None):
    """The first problem of an object's id list (shape, then each id), or None."""
    problem = sequence_shape_problem(ids, side)
    if problem:
        return problem
    for token in ids:
        problem = id_problem(token, side, vocab_size, vocab_description)
        if problem:
            return problem
    return None


def out_of_range(values, vocab_size):
    """Boolean mask of the int ids in `values` outside `[0, vocab_size)` (vectorised)."""
    values = np.asarray(values)
    return (values < 0) | (values >= vocab_size)


def all_in_range(values, vocab_size):
    """Whether every int id of a non-empty array is in `[0, vocab_size)` (two reductions)."""
    return values.min() >= 0 and values.max() < vocab_size


def graph_assertion_messages(side, vocab_size):
    """`(negative, too large)` messages of the exported graph's id assertions.

    A graph assertion cannot name the offending id in its message, so it says
    which input and which bound.
    """
    return (f"in{side} holds a negative token id",
            f"in{side} holds a token id that is not less than enc{side}_vocab_size={vocab_size}")


def _short(value, limit=40):
    try:
        text = json.dumps(value)
    except (RecursionError, ValueError, TypeError):  # a hostile value: say what it is
        return json_type_name(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def json_type_name(value):
    """"a list", "a string", "null", ...: how an error message names a JSON value's type."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             type(None): "null", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)

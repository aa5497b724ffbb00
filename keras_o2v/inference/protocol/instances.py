"""SageMaker Object2Vec inference instances: validation and per-instance mode detection.

An instance is `{"in0": [ids], "in1": [ids]}` (scores), `{"in0": [ids]}` or
`{"in1": [ids]}` (embeddings from that side's encoder), as in SageMaker's
Object2Vec inference formats
(https://docs.aws.amazon.com/sagemaker/latest/dg/object2vec-inference-formats.html).
A `label` key is ignored, so a labelled test file can be sent as it is.

A keras_o2v extension, for models exported with candidates:
`{"in0": [ids], "k": 10, "exclude": [candidate ids]}` asks for the k best
candidates (`exclude` optional), answered with `{"ids": [...], "scores": [...]}`.
"""

import dataclasses
from typing import Optional, Tuple

from keras_o2v.data.token_ids import json_type_name, sequence_problem
from keras_o2v.inference.protocol.errors import InferenceError
from keras_o2v.serving_contract import EXCLUDE, OUTPUT_KEYS, K, signature_for

_ALLOWED_KEYS = {"in0", "in1", "label", K, EXCLUDE}
_MAX_K = 2**31 - 1


@dataclasses.dataclass(frozen=True)
class Instance:
    """One validated request instance.

    Args:
        in0: token ids for encoder 0, or None.
        in1: token ids for encoder 1, or None.
        k: how many candidates to return (top-k instances), or None.
        exclude: candidate ids to leave out (top-k instances), or None.
    """

    in0: Optional[Tuple[int, ...]]
    in1: Optional[Tuple[int, ...]]
    k: Optional[int] = None
    exclude: Optional[Tuple[int, ...]] = None

    @property
    def signature(self):
        """`serving_default` with both inputs, `embed_in0` / `embed_in1` with one, `top_k*` with k."""
        return signature_for(self.in0 is not None, self.in1 is not None, self.k is not None,
                             self.exclude is not None)

    @property
    def output_keys(self):
        """`("scores",)`, `("embeddings",)` or `("ids", "scores")`: the keys of the answer."""
        return OUTPUT_KEYS[self.signature]


def parse_instance(record, where="instance 0", hyperparameters=None, max_seqlens=None):
    """Validates one SageMaker instance and returns an `Instance`.

    Args:
        record: the decoded JSON value.
        where: how to name it in errors, e.g. "instance 3" or "line 7".
        hyperparameters: when given, ids are checked against `encN_vocab_size`
            and truncated to `encN_max_seq_len`.
        max_seqlens: optional `(len0, len1)` truncation (`infer_max_seqlens`).

    Returns:
        An `Instance`.

    Raises:
        InferenceError: (400) naming `where`, the key and the bad value.

    Example:
    >>> parse_instance({"in0": [4, 5], "in1": [6]}).signature
    'serving_default'
    """
    if not isinstance(record, dict):
        raise InferenceError(
            f"{where}: expected a JSON object with 'in0' and/or 'in1', "
            f"got {json_type_name(record)}")
    unknown = sorted(set(record) - _ALLOWED_KEYS)
    if unknown:
        raise InferenceError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
                             f"an instance has 'in0' and/or 'in1'")
    if "in0" not in record and "in1" not in record:
        raise InferenceError(f"{where}: needs 'in0', 'in1' or both (both give scores, "
                             f"one gives that encoder's embeddings)")
    sides = []
    for side in (0, 1):
        key = f"in{side}"
        if key not in record:
            sides.append(None)
            continue
        encoder = None if hyperparameters is None else _encoders(hyperparameters)[side]
        ids = _check_ids(record[key], key, where, side, encoder)
        limit = None
        if encoder is not None:
            limit = encoder.max_seq_len
        if max_seqlens is not None:
            limit = max_seqlens[side] if limit is None else min(limit, max_seqlens[side])
        sides.append(tuple(ids[:limit] if limit is not None else ids))
    if K not in record:
        if EXCLUDE in record:
            raise InferenceError(f"{where}: 'exclude' needs 'k' (top-k instances are "
                                 f"{{\"in0\": [ids], \"k\": <int>, \"exclude\": [candidate ids]}})")
        return Instance(*sides)
    return Instance(*sides, *_top_k_fields(record, where))


def parse_instances(records, hyperparameters=None, max_seqlens=None, label="instance"):
    """`parse_instance` over a list; an empty list is an error.

    Args:
        records: decoded JSON values.
        hyperparameters: see `parse_instance`.
        max_seqlens: see `parse_instance`.
        label: the word used in errors ("instance" or "line"); numbering
            starts at 0 for instances and 1 for lines.

    Returns:
        A list of `Instance`.
    """
    if not records:
        raise InferenceError("No instances given; send at least one instance")
    first = 1 if label == "line" else 0
    return [parse_instance(record, f"{label} {i}", hyperparameters, max_seqlens)
            for i, record in enumerate(records, start=first)]


def _top_k_fields(record, where):
    if "in0" not in record or "in1" in record:
        raise InferenceError(f"{where}: a top-k instance has 'in0' and 'k' (and optionally "
                             f"'exclude'), not 'in1'")
    k = record[K]
    if type(k) is not int or not 1 <= k <= _MAX_K:
        raise InferenceError(f"{where}: 'k' must be a positive integer, got "
                             f"{_describe(k)}")
    if EXCLUDE not in record:
        return k, None
    exclude = record[EXCLUDE]
    if not isinstance(exclude, list) or any(type(i) is not int or i < 0 for i in exclude):
        raise InferenceError(f"{where}: 'exclude' must be a list of non-negative candidate ids, "
                             f"got {_describe(exclude)}")
    return k, tuple(exclude)


def _describe(value):
    text = json_type_name(value)
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        text = repr(value)[:40]
    return text


_ENCODERS = {}


def _encoders(hyperparameters):
    """Both resolved `EncoderSettings` (resolved once per hyperparameters, not per instance)."""
    key = id(hyperparameters)
    cached = _ENCODERS.get(key)
    if cached is None or cached[0] is not hyperparameters:
        cached = (hyperparameters, (hyperparameters.encoder(0), hyperparameters.encoder(1)))
        if len(_ENCODERS) > 64:
            _ENCODERS.clear()
        _ENCODERS[key] = cached
    return cached[1]


def _check_ids(ids, key, where, side, encoder):
    vocab = None if encoder is None else encoder.vocab_size
    problem = sequence_problem(ids, side, vocab)
    if problem:
        raise InferenceError(f"{where}: {problem}")
    return ids


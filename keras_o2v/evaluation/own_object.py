"""Whether a query's own object is left out of its candidates (`ranking_exclude_self`).

When in0 and in1 share one id space, a query's own object can be among its
candidates: in link prediction on one graph (`in0` = a node, `in1` = a neighbour,
one tied token table), the query node is also a candidate node and, with a cosine
similarity, it scores 1 with itself and ranks first, so hits@1 is 0 and every
other rank is one too high. keras_o2v leaves it out by default there: the
candidate equal to the query's own object (the same token ids, after truncation to
each side's `encN_max_seq_len`) is not ranked against the true item, unless it is
the true item itself (a self-loop is ranked as any pair).

`ranking_exclude_self` (a keras_o2v hyperparameter), the `exclude_self` argument of
`keras_o2v.evaluate_retrieval` and `--exclude-self` / `--include-self` of `o2v
evaluate-retrieval` choose: `True` leaves it out, `False` keeps it (the protocol
of a benchmark that counts it, or ids that name different things on the two sides),
and `auto` (the default) leaves it out when the two sides share one id space:
`tied_token_embedding_weight=True` or `shared_encoder=True` (one token table for both sides), or both sides
reading the same `encN_vocab_file`. With separate vocabularies (MovieLens' user 5
and movie 5), an equal id is a different object, and nothing is left out.

Example:
>>> resolve_exclude_self(Hyperparameters(enc0_max_seq_len=1, enc0_vocab_size=9,
...                                      tied_token_embedding_weight=True))  # doctest: +SKIP
True
"""


def shares_id_space(hyperparameters):
    """Whether a token id means the same thing in in0 and in1 (see the module docstring)."""
    hp = hyperparameters
    if hp.one_token_table:
        return True
    vocab0, vocab1 = hp.encoder(0).vocab_file, hp.encoder(1).vocab_file
    return bool(vocab0) and vocab0 == vocab1


def resolve_exclude_self(hyperparameters, override=None):
    """Whether ranking leaves a query's own object out of its candidates.

    Args:
        hyperparameters: the model's `Hyperparameters` (`ranking_exclude_self`).
        override: `True`, `False`, `"auto"`, or None (the hyperparameter's value).

    Returns:
        A bool: `auto` resolved by `shares_id_space`.
    """
    value = getattr(hyperparameters, "ranking_exclude_self", "auto") if override is None \
        else override
    if value == "auto":
        return shares_id_space(hyperparameters)
    if not isinstance(value, bool):
        raise ValueError(f"exclude_self must be True, False or 'auto', got {value!r}")
    return value

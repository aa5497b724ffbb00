"""Softmax cross-entropy over candidates: in-batch, sampled and full softmax.

Each row `i` of a batch is a query (`in0` embedding) with one positive candidate
(its `in1` embedding); the loss of the row is the softmax cross-entropy of the
positive among the candidates, with logits `similarity / temperature`:

- in-batch negatives: the candidates are the batch's `in1` objects, the positive
  of row i is column i (TensorFlow Recommenders' `Retrieval` task). A column whose
  object equals row i's own positive (the same `in1` twice in a batch: an
  "accidental hit") is removed from row i's softmax;
- sampled negatives: extra candidates drawn from the train channel's `in1`
  objects, shared by all rows; one equal to the row's positive is removed;
- logQ correction: every candidate's logit is lowered by the log of its expected
  number of occurrences among the candidates, `log(B q(j) + S r(j))` for `B`
  in-batch candidates drawn as the data holds them (`q`) and `S` sampled ones
  drawn from `r` (`keras_o2v.tasks.CandidateFrequencies`). With in-batch
  negatives only this is TFRS's `logits - log(q)` up to a constant;
- full softmax: every id of a one-token `in1` vocabulary is a candidate (id 0,
  padding, is not), and no correction is needed.

The functions return one loss per row; `keras_o2v.tasks.RetrievalTask` weights
and averages them.
"""

from keras import ops

# The logit of a removed candidate: exp() of it is exactly 0 in float32.
REMOVED_LOGIT = -1e9


def candidate_cross_entropy(logits, target, removed=None):
    """Per-row softmax cross-entropy of column `target[i]` among the logits of row i.

    Args:
        logits: float `[batch, candidates]`.
        target: int `[batch]`, the column of each row's positive.
        removed: optional bool `[batch, candidates]`: columns left out of row i.
    """
    if removed is not None:
        logits = ops.where(removed, ops.cast(REMOVED_LOGIT, logits.dtype), logits)
    return ops.sparse_categorical_crossentropy(target, logits, from_logits=True)


def in_batch_cross_entropy(query, positive, positive_keys, similarity, temperature,
                           positive_log_counts=None, sampled=None, sampled_keys=None,
                           sampled_log_counts=None, in_batch=True):
    """Softmax over in-batch (and/or sampled) candidates, per row.

    Args:
        query: `[batch, d]` in0 embeddings.
        positive: `[batch, d]` in1 embeddings, row i the positive of query i.
        positive_keys: int64 `[batch]` object keys of the in1 objects.
        similarity: a `keras_o2v.layers.Similarity`.
        temperature: logits are similarities divided by it.
        positive_log_counts: optional `[batch]` logQ corrections of the in1 objects.
        sampled: optional `[num_sampled, d]` embeddings of sampled candidates.
        sampled_keys: int64 `[num_sampled]` their keys.
        sampled_log_counts: optional `[num_sampled]` their logQ corrections.
        in_batch: use the batch's in1 objects as candidates; with False the
            candidates are each row's own positive and the sampled ones (a sampled
            softmax).

    Returns:
        float `[batch]` cross-entropies.
    """
    rows = ops.shape(query)[0]
    if in_batch:
        logits = [similarity.matrix(query, positive) / temperature]
        same = ops.equal(positive_keys[:, None], positive_keys[None, :])
        removed = [ops.logical_and(same, ops.logical_not(ops.eye(rows, dtype="bool")))]
        if positive_log_counts is not None:
            logits[0] = logits[0] - positive_log_counts[None, :]
        target = ops.arange(rows)
    else:
        logits = [similarity([query, positive]) / temperature]
        removed = [ops.zeros_like(logits[0], dtype="bool")]
        if positive_log_counts is not None:
            logits[0] = logits[0] - positive_log_counts[:, None]
        target = ops.zeros((rows,), dtype="int32")
    if sampled is not None:
        sampled_logits = similarity.matrix(query, sampled) / temperature
        if sampled_log_counts is not None:
            sampled_logits = sampled_logits - sampled_log_counts[None, :]
        logits.append(sampled_logits)
        removed.append(ops.equal(positive_keys[:, None], sampled_keys[None, :]))
    return candidate_cross_entropy(ops.concatenate(logits, axis=1), target,
                                   ops.concatenate(removed, axis=1))


def full_softmax_cross_entropy(query, candidates, target_ids, similarity, temperature):
    """Softmax over every id of a one-token in1 vocabulary, per row.

    Args:
        query: `[batch, d]` in0 embeddings.
        candidates: `[vocab_size, d]` embeddings of the in1 ids 0..vocab_size-1
            (row 0, padding, is never a candidate).
        target_ids: int `[batch]` each row's in1 id.
        similarity: a `keras_o2v.layers.Similarity`.
        temperature: logits are similarities divided by it.
    """
    logits = similarity.matrix(query, candidates) / temperature
    padding = ops.equal(ops.arange(ops.shape(candidates)[0]), 0)[None, :]
    removed = ops.broadcast_to(padding, ops.shape(logits))
    return candidate_cross_entropy(logits, target_ids, removed)

"""What a training job reads from the train channel before the first epoch, and says.

Retrieval models learn the train channel's in1 frequencies (logQ correction,
sampled negatives), calibrated classifiers its share of positives, and
`pooled_embedding` encoders with `encN_pooling=idf|sif` their token weights
(`Object2Vec.adapt`, one pass for all of them). The job prints what it found, including every record that
does not train the way the others do, so that nothing is dropped silently.
A job resumed from a checkpoint keeps what the first run learned (the counts,
token weights and the calibration shift are model weights).
"""

from keras_o2v.errors import DataError
from keras_o2v.hyperparameters import Hyperparameters

# Pair-model hyperparameters a retrieval model has no use for.
_PAIR_ONLY = ("comparator_list", "mlp_layers", "mlp_dim", "mlp_activation")


def needs_adaptation(hp):
    """Whether the model must see the train channel before training."""
    return hp.is_retrieval or bool(hp.calibration_base_rate) or bool(hp.weighted_pooling_sides)


def adapt_to_train_channel(model, train, printer=print, pooling_corpus=None):
    """Runs `model.adapt(train)` when needed and prints what the job learned.

    Args:
        model: a new `keras_o2v.Object2Vec`.
        train: the train channel.
        printer: where lines go (default `print`).
        pooling_corpus: optional channel the `idf` / `sif` weights are counted on
            instead of `train` (see `Object2Vec.adapt`).

    Returns:
        The `ChannelStatistics`, or None when the model needs none.

    Raises:
        DataError: a retrieval job whose train channel holds no positive pair.
    """
    hp = model.hyperparameters
    if not needs_adaptation(hp):
        return None
    stats = model.adapt(train, pooling_corpus=pooling_corpus)
    for side in hp.weighted_pooling_sides:
        tokens = stats.tokens[side]
        source = "the pooling corpus" if pooling_corpus is not None else "the train channel"
        printer(f"enc{side}_pooling={hp.encoder(side).pooling}: token weights from "
                f"{tokens.documents} in{side} objects of {source} ({tokens.tokens_seen} of "
                f"{tokens.vocab_size - 1} ids seen; an id never seen weighs as the rarest).",
                flush=True)
    if hp.is_retrieval:
        _describe_retrieval(hp, stats, train, printer)
    if hp.calibration_base_rate:
        rate = stats.positive_rate(hp.negative_sampling_rate)
        shift = float(model.task.prior_correction.shift.numpy())
        sampled = (f" with {hp.negative_sampling_rate} generated negatives per positive"
                   if hp.negative_sampling_rate else "")
        printer(f"calibration_base_rate={hp.calibration_base_rate}: the model trains on "
                f"{rate:.4g} positives{sampled}; outside training P(label 1) is corrected to "
                f"that base rate (log-odds {shift:+.4f}).", flush=True)
    return stats


def _describe_retrieval(hp, stats, train, printer):
    if stats.positives == 0:
        raise DataError([(str(train), 0, "training_objective=retrieval needs positive pairs "
                                         "(label > 0), and the train channel holds none")])
    negatives = {"full": f"all {hp.encoder(1).vocab_size - 1} in1 ids",
                 "in_batch": "the other in1 objects of each batch",
                 "sampled": "sampled in1 ids"}[hp.negatives]
    extra = (f" plus {hp.retrieval_sampled_negatives} sampled per batch"
             if hp.retrieval_sampled_negatives and hp.negatives == "in_batch" else "")
    printer(f"training_objective=retrieval: {stats.positives} positive pairs (label > 0) are "
            f"softmax targets; candidates: {negatives}{extra}.", flush=True)
    if stats.negatives:
        printer(f"training_objective=retrieval: {stats.negatives} pairs with label 0 are not "
                "softmax targets; their in1 objects are candidates like any other.", flush=True)
    defaults = Hyperparameters(enc0_max_seq_len=1, enc0_vocab_size=2)
    unused = [name for name in _PAIR_ONLY if getattr(hp, name) != getattr(defaults, name)]
    if unused:
        printer(f"training_objective=retrieval: {', '.join(unused)} are not used (the score "
                "is the similarity of the two embeddings).", flush=True)

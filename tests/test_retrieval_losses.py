"""Retrieval losses against a NumPy reference written row by row.

The reference builds each row's candidate list explicitly (in-batch objects, sampled
ones), drops accidental hits, applies the logQ correction `log(B q + S r)` and takes
the softmax cross-entropy of the positive, with plain loops.
"""

import numpy as np
import pytest
import tensorflow as tf

from keras_o2v import Hyperparameters, Object2Vec
from keras_o2v.data.object_keys import padded_object_keys
from keras_o2v.layers.similarity import Similarity
from keras_o2v.tasks.retrieval_losses import full_softmax_cross_entropy, in_batch_cross_entropy


def similarity_np(kind, a, b):
    if kind == "cosine":
        a = a / np.linalg.norm(a)
        b = b / np.linalg.norm(b)
    return float(a @ b)


def reference_losses(kind, temperature, query, positive, keys, log_counts=None, sampled=(),
                     sampled_keys=(), sampled_log_counts=None, in_batch=True):
    """Cross-entropy of each row's positive among its candidates, one row at a time."""
    losses = []
    for i in range(len(query)):
        logits, target = [], None
        if in_batch:
            for j in range(len(positive)):
                if j != i and keys[j] == keys[i]:
                    continue  # an accidental hit: the row's own positive again
                if j == i:
                    target = len(logits)
                correction = log_counts[j] if log_counts is not None else 0.0
                logits.append(similarity_np(kind, query[i], positive[j]) / temperature - correction)
        else:
            target = 0
            correction = log_counts[i] if log_counts is not None else 0.0
            logits.append(similarity_np(kind, query[i], positive[i]) / temperature - correction)
        for s in range(len(sampled)):
            if sampled_keys[s] == keys[i]:
                continue
            correction = sampled_log_counts[s] if sampled_log_counts is not None else 0.0
            logits.append(similarity_np(kind, query[i], sampled[s]) / temperature - correction)
        logits = np.asarray(logits, np.float64)
        losses.append(np.log(np.exp(logits - logits.max()).sum()) + logits.max() - logits[target])
    return np.asarray(losses)


@pytest.fixture
def batch():
    rng = np.random.default_rng(3)
    query = rng.normal(size=(6, 4)).astype("float32")
    positive = rng.normal(size=(6, 4)).astype("float32")
    keys = np.array([11, 12, 11, 13, 14, 11], np.int64)  # object 11 three times in the batch
    positive[2] = positive[5] = positive[0]  # the same object has the same embedding
    sampled = rng.normal(size=(4, 4)).astype("float32")
    sampled_keys = np.array([12, 20, 21, 14], np.int64)  # two equal in-batch positives
    sampled[0], sampled[3] = positive[1], positive[4]
    return query, positive, keys, sampled, sampled_keys


@pytest.mark.parametrize("kind, temperature", [("dot", 1.0), ("cosine", 0.1)])
def test_in_batch_with_accidental_hits_and_logq(batch, kind, temperature):
    query, positive, keys, _, _ = batch
    log_counts = np.log(6 * np.array([0.5, 0.1, 0.5, 0.2, 0.05, 0.5]))
    got = in_batch_cross_entropy(query, positive, tf.constant(keys), Similarity(kind), temperature,
                                 positive_log_counts=tf.constant(log_counts, tf.float32))
    expected = reference_losses(kind, temperature, query, positive, keys, log_counts)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-4, atol=1e-5)
    # without masking, the duplicates would be counted as negatives: a higher loss
    no_mask = reference_losses(kind, temperature, query, positive, np.arange(6), log_counts)
    assert (no_mask[[0, 2, 5]] > expected[[0, 2, 5]] + 1e-3).all()


@pytest.mark.parametrize("in_batch", [True, False])
def test_sampled_negatives_with_their_own_correction(batch, in_batch):
    query, positive, keys, sampled, sampled_keys = batch
    log_counts = np.log([3.0, 1.2, 3.0, 2.0, 0.7, 3.0])
    sampled_log_counts = np.log([1.2, 0.5, 0.4, 0.7])
    got = in_batch_cross_entropy(
        query, positive, tf.constant(keys), Similarity("dot"), 0.5,
        positive_log_counts=tf.constant(log_counts, tf.float32), sampled=sampled,
        sampled_keys=tf.constant(sampled_keys),
        sampled_log_counts=tf.constant(sampled_log_counts, tf.float32), in_batch=in_batch)
    expected = reference_losses("dot", 0.5, query, positive, keys, log_counts, sampled,
                                sampled_keys, sampled_log_counts, in_batch=in_batch)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-4, atol=1e-5)


def test_full_softmax_leaves_padding_out():
    rng = np.random.default_rng(0)
    query = rng.normal(size=(3, 4)).astype("float32")
    table = rng.normal(size=(7, 4)).astype("float32")
    ids = np.array([2, 6, 1])
    got = full_softmax_cross_entropy(query, table, tf.constant(ids), Similarity("dot"), 2.0)
    logits = query @ table[1:].T / 2.0
    expected = np.log(np.exp(logits).sum(1)) - logits[np.arange(3), ids - 1]
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)


def retrieval_loss(model, x, y):
    """`(mean loss over the positive pairs, their count)` of a batch, as a validation step."""
    return model.task.loss_and_weight(model.backbone(x), y, inputs=x, backbone=model.backbone)


def _model(**overrides):
    hp = Hyperparameters(enc0_max_seq_len=3, enc0_vocab_size=20, enc0_network="pooled_embedding",
                         enc0_token_embedding_dim=4, training_objective="retrieval", **overrides)
    return Object2Vec(hp)


def test_model_loss_is_the_mean_over_positive_pairs_with_frequencies_from_adapt():
    model = _model(retrieval_negatives="in_batch", retrieval_similarity="dot",
                   retrieval_temperature=0.5)
    in0 = np.array([[1, 2, 0], [3, 0, 0], [4, 5, 6], [7, 0, 0], [8, 9, 0]])
    in1 = np.array([[5, 6, 0], [5, 7, 0], [5, 6, 0], [9, 0, 0], [10, 11, 12]])
    labels = np.array([1, 1, 1, 0, 1])
    stats = model.adapt(tf.data.Dataset.from_tensor_slices(({"in0": in0, "in1": in1}, labels))
                        .batch(2))
    assert (stats.records, stats.positives, stats.negatives) == (5, 4, 1)
    loss, weight = retrieval_loss(model, {"in0": tf.constant(in0), "in1": tf.constant(in1)},
                                        tf.constant(labels))
    query, positive = model.embed(in0=in0), model.embed(in1=in1)
    keys = padded_object_keys(in1)
    counts = {k: (keys == k).sum() for k in keys}
    log_counts = np.log([5 * counts[k] / 5 for k in keys])  # B q(j) with B = 5 rows
    rows = reference_losses("dot", 0.5, query, positive, keys, log_counts)
    assert float(weight) == 4
    np.testing.assert_allclose(float(loss), rows[labels > 0].mean(), rtol=1e-4)


def test_model_full_softmax_targets_the_in1_token():
    model = _model(enc1_max_seq_len=1, retrieval_temperature=0.2)
    in0, in1 = np.array([[1, 2, 0], [3, 0, 0]]), np.array([[5], [9]])
    loss, _ = retrieval_loss(model, {"in0": tf.constant(in0), "in1": tf.constant(in1)},
                                   tf.constant([[2.5], [1.0]]))  # positive scores
    query, table = model.embed(in0=in0), model.embed(in1=np.arange(20)[:, None])
    q = query / np.linalg.norm(query, axis=1, keepdims=True)
    t = table / np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-6)
    logits = (q @ t[1:].T) / 0.2
    rows = np.log(np.exp(logits).sum(1)) - logits[np.arange(2), in1[:, 0] - 1]
    np.testing.assert_allclose(float(loss), rows.mean(), rtol=1e-4)


def test_fit_without_adapt_says_what_is_missing():
    from keras_o2v import O2VError

    model = _model(retrieval_negatives="in_batch")
    model.compile()
    data = tf.data.Dataset.from_tensor_slices(({"in0": [[1]], "in1": [[2]]}, [1])).batch(1)
    with pytest.raises(O2VError, match="call model.adapt"):
        model.fit(data, verbose=0)


def test_a_saved_retrieval_model_keeps_its_frequencies_and_compiles_again(tmp_path):
    """What a resumed job and a loaded model rely on: counts are weights, compile is automatic."""
    import keras

    model = _model(retrieval_negatives="in_batch")
    data = tf.data.Dataset.from_tensor_slices(
        ({"in0": [[1, 2, 0], [3, 0, 0]], "in1": [[4, 0, 0], [4, 5, 0]]}, [1, 1])).batch(2)
    model.adapt(data)
    model.compile()
    model.fit(data, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(loaded.candidate_frequencies.counts.numpy(),
                                  model.candidate_frequencies.counts.numpy())
    assert [m.name for m in loaded.metrics] == ["loss", "retrieval_cross_entropy"]
    assert loaded.evaluate(data, verbose=0, return_dict=True)["loss"] == pytest.approx(
        model.evaluate(data, verbose=0, return_dict=True)["loss"], rel=1e-6)


def test_retrieval_hyperparameters_explain_their_conflicts():
    from keras_o2v import HyperparameterError

    base = dict(enc0_max_seq_len=1, enc0_vocab_size=50, enc0_network="pooled_embedding")
    with pytest.raises(HyperparameterError, match="retrieval_similarity=dot applies only to "
                                                  "training_objective=retrieval"):
        Hyperparameters(**base, retrieval_similarity="dot")
    with pytest.raises(HyperparameterError, match="auto, which chose full"):
        Hyperparameters(**base, training_objective="retrieval", retrieval_sampled_negatives=5)
    with pytest.raises(HyperparameterError, match="enc1_max_seq_len=5"):
        Hyperparameters(**base, enc1_max_seq_len=5, training_objective="retrieval",
                        retrieval_negatives="full")
    with pytest.raises(HyperparameterError, match="negative_sampling_rate=3 makes label-0 pairs"):
        Hyperparameters(**base, training_objective="retrieval", negative_sampling_rate=3)
    with pytest.raises(HyperparameterError, match="num_classes=3"):
        Hyperparameters(**base, training_objective="retrieval", num_classes=3)
    with pytest.raises(HyperparameterError, match="calibration_base_rate=0.2 corrects"):
        Hyperparameters(**base, training_objective="retrieval", calibration_base_rate=0.2)
    with pytest.raises(HyperparameterError, match="early_stopping_metric=validation:accuracy is "
                                                  "reported only with training_objective=pair"):
        Hyperparameters(**base, training_objective="retrieval",
                        early_stopping_metric="validation:accuracy")
    hp = Hyperparameters(**base, early_stopping_metric="validation:auc")
    assert hp.reports_ranking_metrics and not Hyperparameters(**base).reports_ranking_metrics
    assert "early_stopping_metric" in hp.to_dict() and "ranking_metrics" not in hp.to_dict()

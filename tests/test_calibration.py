"""Calibrated probabilities (`calibration_base_rate`): prior correction, on a known base rate."""

import math

import numpy as np
import pytest
import tensorflow as tf

from keras_o2v import Hyperparameters, Object2Vec
from keras_o2v.layers.prior_correction import PriorCorrection, log_odds_shift
from keras_o2v.training import train
from tests.harness import write_jsonl

PAIR = dict(enc0_max_seq_len=1, enc0_vocab_size=60, enc0_network="pooled_embedding",
            enc0_token_embedding_dim=16, mlp_dim=32, mlp_layers=1, mlp_activation="relu")


def test_the_layer_shifts_log_odds_outside_training_only():
    layer = PriorCorrection()
    layer.set_shift(log_odds_shift(training_positive_rate=0.5, base_rate=0.2))
    logits = np.array([[0.3, 1.1], [2.0, -1.0]], np.float32)
    trained = tf.nn.softmax(logits).numpy()
    np.testing.assert_allclose(layer(logits, training=True).numpy(), trained, rtol=1e-6)
    # Bayes' rule: odds are multiplied by (pi / (1 - pi)) / (pi_train / (1 - pi_train)) = 1/4
    odds = trained[:, 1] / trained[:, 0] / 4
    np.testing.assert_allclose(layer(logits).numpy()[:, 1], odds / (1 + odds), rtol=1e-5)


def test_the_training_prior_counts_generated_negatives(tmp_path):
    records = [{"label": 1, "in0": [i], "in1": [i + 1]} for i in range(1, 31)]
    records += [{"label": 0, "in0": [i], "in1": [i + 2]} for i in range(1, 11)]
    path = write_jsonl(tmp_path / "train.jsonl", records)
    model = Object2Vec(Hyperparameters(**PAIR, negative_sampling_rate=3, calibration_base_rate=0.5))
    stats = model.adapt(path)
    assert (stats.positives, stats.negatives) == (30, 10)
    rate = 30 / (40 + 3 * 30)  # every positive brings 3 generated negatives
    assert stats.positive_rate(3) == pytest.approx(rate)
    shift = float(model.task.prior_correction.shift.numpy())
    assert shift == pytest.approx(-math.log(rate / (1 - rate)), rel=1e-5)


def real_pairs(n, seed):
    """Pairs whose true P(label 1) is 0.6 within a group (id % 5) and 0.1 across: base rate 0.2."""
    rng = np.random.default_rng(seed)
    in0, in1 = rng.integers(1, 60, n), rng.integers(1, 60, n)
    same = in0 % 5 == in1 % 5
    labels = (rng.random(n) < np.where(same, 0.6, 0.1)).astype(int)
    return in0, in1, labels, same


def test_calibrated_probabilities_match_the_real_base_rate(tmp_path):
    in0, in1, labels, _ = real_pairs(12_000, seed=0)
    keep = (labels == 1) | (np.random.default_rng(1).random(len(labels)) < 0.25)  # 3 in 4
    train_path = write_jsonl(tmp_path / "train.jsonl", [  # negatives dropped: about 1:1
        {"label": int(y), "in0": [int(a)], "in1": [int(b)]}
        for y, a, b in zip(labels[keep], in0[keep], in1[keep])])
    hp = {**PAIR, "calibration_base_rate": 0.2, "learning_rate": 0.01, "mini_batch_size": 64,
          "epochs": 4}
    model = train(hp, train=train_path, model_dir=tmp_path / "job", seed=0, verbose=0).model
    test0, test1, test_labels, same = real_pairs(4000, seed=2)
    features = {"in0": test0[:, None], "in1": test1[:, None]}
    calibrated = model.predict(features, verbose=0)[:, 1]
    assert calibrated.mean() == pytest.approx(0.2, abs=0.04)  # the real base rate
    assert calibrated[same].mean() == pytest.approx(0.6, abs=0.08)  # the true P(label 1)
    assert calibrated[~same].mean() == pytest.approx(0.1, abs=0.05)
    model.task.prior_correction.set_shift(0.0)  # the same model, as trained
    trained = model.predict(features, verbose=0)[:, 1]
    assert trained.mean() > 0.4  # the training data's prior, about 1:1
    assert ((calibrated > 0.5) == test_labels).mean() > ((trained > 0.5) == test_labels).mean()

import numpy as np
import pytest

from keras_o2v.training import SageMakerEarlyStopping

# Validation cross-entropy of the SageMaker job logged in its document-embedding example
# (patience 2, tolerance 0.01)
LOGGED = [0.2085, 0.1976, 0.2025, 0.1813, 0.1969, 0.1930, 0.1977]


def test_replays_the_sagemaker_log_and_stops_after_epoch_6_with_best_epoch_3():
    rule = SageMakerEarlyStopping(patience=2, tolerance=0.01)
    decisions = [rule.update(loss) for loss in LOGGED]
    assert decisions == [False] * 6 + [True]
    assert rule.best_epoch == 3
    assert rule.bad_epochs == 3


def test_good_epoch_resets_the_bad_count():
    rule = SageMakerEarlyStopping(patience=1, tolerance=0.05)
    decisions = [rule.update(x) for x in [1.0, 0.99, 0.9, 0.89, 0.885]]
    assert decisions == [False, False, False, False, True]
    assert rule.best_epoch == 4


def test_no_decision_before_the_window_is_full():
    rule = SageMakerEarlyStopping(patience=5, tolerance=0.01)
    assert not any(rule.update(1.0) for _ in range(10))
    assert rule.update(1.0)  # the 6th bad epoch after the window filled


def test_nan_is_a_bad_epoch_and_never_best():
    rule = SageMakerEarlyStopping(patience=1, tolerance=0.01)
    rule.update(1.0)
    rule.update(float("nan"))
    assert rule.bad_epochs == 1 and rule.best_epoch == 0


def test_state_round_trip():
    rule = SageMakerEarlyStopping(patience=2, tolerance=0.01)
    for loss in LOGGED[:5]:
        rule.update(loss)
    again = SageMakerEarlyStopping(patience=2, tolerance=0.01)
    again.set_state(rule.get_state())
    assert [again.update(x) for x in LOGGED[5:]] == [False, True]


@pytest.mark.parametrize("patience", [1, 2, 3])
def test_is_best_tracks_the_latest_minimum(patience):
    rule = SageMakerEarlyStopping(patience=patience, tolerance=0.01)
    flags = []
    for loss in [0.5, 0.4, 0.45, 0.3]:
        rule.update(loss)
        flags.append(rule.is_best)
    assert flags == [True, True, False, True]


def test_a_metric_where_higher_is_better_mirrors_the_rule():
    rule = SageMakerEarlyStopping(patience=2, tolerance=0.01, direction="max")
    decisions = [rule.update(-loss) for loss in LOGGED]
    assert decisions == [False] * 6 + [True]
    assert rule.best_epoch == 3 and rule.get_state()["direction"] == "max"
    again = SageMakerEarlyStopping(patience=2, tolerance=0.01)
    again.set_state(rule.get_state())
    assert again.direction == "max" and again.best_epoch == 3


# === early_stopping_metric: the rule the job builds from the hyperparameters ===
def job_rule(**values):
    from keras_o2v import Hyperparameters
    from keras_o2v.training.validation_metric import make_early_stopping

    return make_early_stopping(Hyperparameters(enc0_max_seq_len=1, enc0_vocab_size=9, **values))


@pytest.mark.parametrize("metric", ["auto", "validation:cross_entropy"])
def test_the_loss_rule_is_sagemakers_absolute_rule(metric):
    rule = job_rule(early_stopping_metric=metric, early_stopping_patience=2,
                    early_stopping_tolerance=0.01)
    assert not rule.is_relative
    assert [rule.update(loss) for loss in LOGGED] == [False] * 6 + [True]
    assert rule.best_epoch == 3
    assert "was not early_stopping_tolerance=0.01 below the lowest" in rule.describe_stop("loss")


def test_a_slowly_but_steadily_rising_auc_does_not_stop():
    """AUC +0.0003 per epoch from 0.97 (default tolerance 0.01, patience 3): keep training."""
    rule = job_rule(early_stopping_metric="validation:auc")
    assert rule.is_relative and rule.tolerance == 0.01
    assert not any(rule.update(0.97 + 0.0003 * epoch) for epoch in range(40))
    assert rule.best_epoch == 39


@pytest.mark.parametrize("metric,level,noise", [("validation:auc", 0.95, 0.002),
                                                ("validation:hits_at_10", 0.40, 0.01),
                                                ("validation:mean_rank", 21.0, 0.3)])
def test_a_noisy_plateau_stops(metric, level, noise):
    for seed in range(5):
        rule = job_rule(early_stopping_metric=metric)
        values = level + noise * np.random.default_rng(seed).normal(size=40)
        stops = [rule.update(value) for value in values]
        assert any(stops), (metric, seed)
        assert stops.index(True) < 25


def test_ranking_tolerances_are_shares_of_the_gap_left():
    """The docstring's worked examples: each a hair either side of the threshold."""
    for metric, window, threshold in (("validation:auc", 0.970, 0.9703),
                                      ("validation:hits_at_10", 0.40, 0.406),
                                      ("validation:mean_rank", 21.0, 20.8)):
        sign = -1 if metric.endswith("mean_rank") else 1
        for value, good in ((threshold + sign * 1e-9, True), (threshold - sign * 1e-9, False)):
            rule = job_rule(early_stopping_metric=metric, early_stopping_patience=1)
            rule.update(window)
            rule.update(value)
            assert (rule.bad_epochs == 0) == good, (metric, value)
    rule = job_rule(early_stopping_metric="validation:hits_at_1", early_stopping_patience=1)
    assert [rule.update(1.0) for _ in range(3)] == [False, False, True]  # no gap is left
    assert "of the gap left to its best possible value 1" in rule.describe_stop("validation:mrr")

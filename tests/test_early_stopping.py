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

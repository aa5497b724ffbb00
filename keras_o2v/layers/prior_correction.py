"""Prior correction of a binary classifier's probabilities (`calibration_base_rate`).

A classifier trained on data whose share of positives is `pi_train` learns
`P(label 1 | x)` under that prior. Trained with negative sampling (SageMaker's
`negative_sampling_rate = k` adds k negatives per positive) or on data with
subsampled negatives, `pi_train` is not the share of positives of the data the
model will score, and P(label 1) = 0.5 does not mean even odds there. Bayes' rule
moves the posterior to another prior `pi` by shifting its log-odds (King and Zeng,
"Logistic Regression in Rare Events Data", 2001; Elkan, "The Foundations of
Cost-Sensitive Learning", 2001):

    logit(p_pi) = logit(p_train) + logit(pi) - logit(pi_train)

`pi_train` is measured on the train channel (`ChannelStatistics.positive_rate`:
positives / (records + k positives)); `pi` is `calibration_base_rate`, the share
of positives of the data the model will score (0.5: even odds).
"""

import math

import keras
from keras import ops


def log_odds_shift(training_positive_rate, base_rate):
    """`logit(base_rate) - logit(training_positive_rate)`, the shift of the log-odds.

    Example:
    >>> round(log_odds_shift(0.2, 0.5), 4)  # k = 4 sampled negatives per positive
    1.3863
    """
    for name, rate in (("training_positive_rate", training_positive_rate),
                       ("base_rate", base_rate)):
        if not 0.0 < rate < 1.0:
            raise ValueError(f"{name} must lie strictly between 0 and 1, got {rate!r}")
    return (math.log(base_rate / (1.0 - base_rate))
            - math.log(training_positive_rate / (1.0 - training_positive_rate)))


@keras.saving.register_keras_serializable(package="keras_o2v")
class PriorCorrection(keras.layers.Layer):
    """Softmax over two logits, with the log-odds of class 1 shifted outside training.

    Called on logits `[batch, 2]`, it returns probabilities `[batch, 2]`:
    `softmax(logits)` while training (the loss sees the training prior), and
    `softmax(logits + [0, shift])` otherwise (evaluation, prediction and the
    exported `serving_default`). `shift` is a weight, set by `set_shift` (or by
    `Object2Vec.adapt`), saved with the model and frozen into exports.

    Args:
        **kwargs: forwarded to `keras.layers.Layer`.

    Example:
    >>> layer = PriorCorrection()
    >>> layer.set_shift(log_odds_shift(0.2, 0.5))
    >>> layer(np.zeros((1, 2))).numpy().round(2).tolist()
    [[0.2, 0.8]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.shift = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                     name="shift")
        self.built = True

    def set_shift(self, shift):
        self.shift.assign(float(shift))

    def call(self, logits, training=None):
        if training:
            return ops.softmax(logits, axis=-1)
        class_one = ops.convert_to_tensor([0.0, 1.0], dtype=logits.dtype)
        return ops.softmax(logits + ops.cast(self.shift, logits.dtype) * class_one, axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

"""Per-epoch learning-rate decay: the `learning_rate_decay` hyperparameter.

SageMaker keeps the learning rate constant. With dropout and weight decay the
validation loss of a constant-rate run keeps jumping from epoch to epoch, and
which epoch early stopping keeps is partly luck; a rate that shrinks every epoch
lets it settle. The MovieLens benchmark (benchmarks/movielens.py) uses 0.9.
"""

import keras


class LearningRateDecay(keras.callbacks.Callback):
    """Sets the learning rate to `initial_learning_rate * decay ** epoch` as each epoch starts.

    The rate depends only on the epoch number, so a resumed `fit` (with
    `initial_epoch`) continues the schedule where it stopped. `Object2Vec.fit`
    adds this callback itself when the model was compiled with its
    hyperparameters' optimizer and `learning_rate_decay` is below 1.

    Args:
        initial_learning_rate: the rate of epoch 0.
        decay: factor applied after every epoch, in (0, 1].

    Example:
    >>> schedule = LearningRateDecay(0.002, 0.9)
    >>> round(schedule.learning_rate(2), 6)
    0.00162
    """

    def __init__(self, initial_learning_rate, decay):
        super().__init__()
        if not 0.0 < decay <= 1.0:
            raise ValueError(f"decay must be in (0, 1], got {decay!r}")
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay = float(decay)

    def learning_rate(self, epoch):
        """The learning rate of epoch `epoch` (counted from 0)."""
        return self.initial_learning_rate * self.decay ** epoch

    def on_epoch_begin(self, epoch, logs=None):
        self.model.optimizer.learning_rate = self.learning_rate(epoch)

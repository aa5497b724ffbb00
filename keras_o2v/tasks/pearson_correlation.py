"""`PearsonCorrelation`: the correlation of scores with labels over a whole channel, streamed."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_o2v")
class PearsonCorrelation(keras.metrics.Metric):
    """Pearson's correlation of predictions with labels, over every batch since the last reset.

    It keeps the count and the sums of `x`, `y`, `x²`, `y²` and `xy` in float64, so
    the result over a channel is the correlation of the whole channel (not a mean of
    per-batch correlations) and the running sums stay exact enough for millions of
    pairs. A constant prediction gives 0.

    Args:
        name: the metric's name.
        **kwargs: forwarded to `keras.metrics.Metric`.

    Example:
    >>> metric = PearsonCorrelation()
    >>> metric.update_state([1.0, 2.0, 3.0], [2.0, 4.0, 7.0])
    >>> round(float(metric.result()), 4)
    0.9934
    """

    def __init__(self, name="pearson", **kwargs):
        super().__init__(name=name, **kwargs)
        self.sums = self.add_variable(shape=(6,), initializer="zeros", dtype="float64",
                                      name="sums")

    def update_state(self, y_true, y_pred, sample_weight=None):
        x = ops.reshape(ops.cast(y_pred, "float64"), (-1,))
        y = ops.reshape(ops.cast(y_true, "float64"), (-1,))
        w = ops.ones_like(x) if sample_weight is None else \
            ops.reshape(ops.cast(sample_weight, "float64"), (-1,))
        self.sums.assign_add(ops.stack([ops.sum(w), ops.sum(w * x), ops.sum(w * y),
                                        ops.sum(w * x * x), ops.sum(w * y * y),
                                        ops.sum(w * x * y)]))

    def result(self):
        n, sx, sy, sxx, syy, sxy = [self.sums[i] for i in range(6)]
        covariance = n * sxy - sx * sy
        spread = ops.sqrt(ops.maximum(n * sxx - sx * sx, 0.0) * ops.maximum(n * syy - sy * sy, 0.0))
        return ops.cast(ops.where(spread > 0, covariance / ops.where(spread > 0, spread, 1.0), 0.0),
                        "float32")

    def reset_state(self):
        self.sums.assign(ops.zeros((6,), "float64"))

"""SageMaker Object2Vec's early-stopping rule, as plain logic, on any validation metric.

Reverse-engineered from the training log published with SageMaker's document
embedding example (aws/amazon-sagemaker-examples,
introduction_to_applying_machine_learning/object2vec_document_embedding), and
consistent with every epoch of it: keep the previous `patience` validation losses (the
current one excluded). Once that window is full, an epoch is *good* when
`min(window) - loss >= tolerance`, else *bad*. A good epoch resets the count of
bad epochs; training stops when the count exceeds `patience`. The best epoch is
the one with the lowest validation loss, and it is the model that is kept.

The same rule generalises to a metric where higher is better (`direction="max"`,
e.g. `validation:mrr` chosen by the keras_o2v extension `early_stopping_metric`):
an epoch is good when `value - max(window) >= tolerance`, and the best epoch is
the one with the highest value. `tolerance` is in the metric's own units.
"""

import math

DIRECTIONS = ("min", "max")


class SageMakerEarlyStopping:
    """Decides, epoch by epoch, whether to stop and which epoch is best.

    Args:
        patience: SageMaker's `early_stopping_patience`.
        tolerance: SageMaker's `early_stopping_tolerance`.
        direction: "min" (a loss, SageMaker's case) or "max" (e.g. hits@10).

    Example:
    >>> rule = SageMakerEarlyStopping(patience=2, tolerance=0.01)
    >>> [rule.update(loss) for loss in [0.2085, 0.1976, 0.2025, 0.1813]]
    [False, False, False, False]
    >>> rule.best_epoch
    3
    """

    def __init__(self, patience, tolerance, direction="min"):
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
        self.patience = patience
        self.tolerance = tolerance
        self.direction = direction
        self.values = []
        self.bad_epochs = 0

    @property
    def losses(self):
        """The recorded values (the name of SageMaker's case)."""
        return self.values

    def _gain(self, value, reference):
        return reference - value if self.direction == "min" else value - reference

    def update(self, value):
        """Records the next epoch's validation value; returns True when training must stop."""
        value = float(value)
        if len(self.values) >= self.patience:
            window = self.values[-self.patience:]
            reference = min(window) if self.direction == "min" else max(window)
            improvement = self._gain(value, reference)
            if math.isfinite(improvement) and improvement >= self.tolerance:
                self.bad_epochs = 0
            else:
                self.bad_epochs += 1
        self.values.append(value)
        return self.bad_epochs > self.patience

    @property
    def best_epoch(self):
        """Index of the best finite value so far (the earliest of equal ones), or None."""
        sign = 1.0 if self.direction == "min" else -1.0
        finite = [(sign * value, epoch) for epoch, value in enumerate(self.values)
                  if math.isfinite(value)]
        return min(finite)[1] if finite else None

    @property
    def is_best(self):
        """Whether the epoch just recorded is the best so far."""
        return self.best_epoch == len(self.values) - 1

    def get_state(self):
        return {"losses": list(self.values), "bad_epochs": self.bad_epochs,
                "direction": self.direction}

    def set_state(self, state):
        self.values = [float(value) for value in state["losses"]]
        self.bad_epochs = int(state["bad_epochs"])
        self.direction = state.get("direction", "min")

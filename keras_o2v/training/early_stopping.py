"""SageMaker Object2Vec's early-stopping rule, as plain logic, on any validation metric.

Reverse-engineered from the training log published with SageMaker's document
embedding example (aws/amazon-sagemaker-examples,
introduction_to_applying_machine_learning/object2vec_document_embedding), and
consistent with every epoch of it: keep the previous `patience` validation losses (the
current one excluded). Once that window is full, an epoch is *good* when
`min(window) - loss >= tolerance`, else *bad*. A good epoch resets the count of
bad epochs; training stops when the count exceeds `patience`. The best epoch is
the one with the lowest validation loss, and it is the model that is kept. This is
the rule on every loss (`cross_entropy`, `mean_squared_error`,
`retrieval_cross_entropy`), with `tolerance` in the loss's units, as SageMaker's
`early_stopping_tolerance`.

The same rule generalises to a metric where higher is better (`direction="max"`):
an epoch is good when `value - max(window) >= tolerance`, and the best epoch is
the one with the highest value.

A metric with a best possible value (`best_possible`: 1 for `accuracy`, `hits_at_k`,
`mrr`, `auc`, and 1 for `mean_rank`, whose best is rank 1) measures the gain as a share
of the distance that was left to that value: an epoch is good when
`gain / |best_possible - best of window| >= tolerance`. The tolerance then means the
same on every such metric, whatever its scale: with the default 0.01, an epoch must
close 1% of the remaining gap.

- `auc`, window best 0.970 (gap 0.030): good from 0.970 + 0.01 x 0.030 = 0.9703, so a
  run rising 0.0003 per epoch keeps going, where an absolute 0.01 would stop it;
- `hits_at_10`, window best 0.40 (gap 0.60): good from 0.406;
- `mean_rank`, window best 21 (gap 20 ranks): good from 20.8 down;
- `cross_entropy` (a loss, no best value): good from 0.01 below the window's lowest.

A metric already at its best value leaves no gap, and no epoch can be good: the run
stops after `patience + 1` more epochs.
"""

import math

DIRECTIONS = ("min", "max")


class SageMakerEarlyStopping:
    """Decides, epoch by epoch, whether to stop and which epoch is best.

    Args:
        patience: SageMaker's `early_stopping_patience`.
        tolerance: SageMaker's `early_stopping_tolerance`: in the metric's units, or a
            share of the remaining gap when `best_possible` is given.
        direction: "min" (a loss, SageMaker's case) or "max" (e.g. hits@10).
        best_possible: the metric's best possible value (1.0 for hits@k, MRR, AUC,
            accuracy, mean rank), or None (a loss: SageMaker's absolute rule).

    Example:
    >>> rule = SageMakerEarlyStopping(patience=2, tolerance=0.01)
    >>> [rule.update(loss) for loss in [0.2085, 0.1976, 0.2025, 0.1813]]
    [False, False, False, False]
    >>> rule.best_epoch
    3
    >>> auc = SageMakerEarlyStopping(patience=2, tolerance=0.01, direction="max",
    ...                              best_possible=1.0)
    >>> any(auc.update(0.97 + 0.0003 * epoch) for epoch in range(40))
    False
    """

    def __init__(self, patience, tolerance, direction="min", best_possible=None):
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
        self.patience = patience
        self.tolerance = tolerance
        self.direction = direction
        self.best_possible = None if best_possible is None else float(best_possible)
        self.values = []
        self.bad_epochs = 0

    @property
    def losses(self):
        """The recorded values (the name of SageMaker's case)."""
        return self.values

    @property
    def is_relative(self):
        """Whether the tolerance is a share of the gap to `best_possible`."""
        return self.best_possible is not None

    def _gain(self, value, reference):
        return reference - value if self.direction == "min" else value - reference

    def improvement(self, value, reference):
        """The improvement of `value` over `reference`, in the units `tolerance` is in."""
        gain = self._gain(value, reference)
        if not self.is_relative:
            return gain
        gap = abs(self.best_possible - reference)
        return gain / gap if gap > 0 else -math.inf

    def update(self, value):
        """Records the next epoch's validation value; returns True when training must stop."""
        value = float(value)
        if len(self.values) >= self.patience:
            window = self.values[-self.patience:]
            reference = min(window) if self.direction == "min" else max(window)
            improvement = self.improvement(value, reference)
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

    def describe_stop(self, metric):
        """Why the rule stopped, in words, for the job's message.

        Args:
            metric: the metric's name as the job says it (`validation loss`,
                `validation:auc`).
        """
        lowest, below = ("lowest", "below") if self.direction == "min" else ("highest", "above")
        reference = f"the {lowest} of the early_stopping_patience={self.patience} epochs before it"
        if self.is_relative:
            return (f"for {self.patience + 1} epochs in a row the {metric} did not improve on "
                    f"{reference} by early_stopping_tolerance={self.tolerance} of the gap left "
                    f"to its best possible value {self.best_possible:g}")
        return (f"for {self.patience + 1} epochs in a row the {metric} was not "
                f"early_stopping_tolerance={self.tolerance} {below} {reference}")

    def get_state(self):
        return {"losses": list(self.values), "bad_epochs": self.bad_epochs,
                "direction": self.direction, "best_possible": self.best_possible}

    def set_state(self, state):
        self.values = [float(value) for value in state["losses"]]
        self.bad_epochs = int(state["bad_epochs"])
        self.direction = state.get("direction", "min")
        self.best_possible = state.get("best_possible", self.best_possible)

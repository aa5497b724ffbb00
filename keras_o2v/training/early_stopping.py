"""SageMaker Object2Vec's early-stopping rule, as plain logic.

Reverse-engineered from the training log published with SageMaker's document
embedding example (aws/amazon-sagemaker-examples,
introduction_to_applying_machine_learning/object2vec_document_embedding), and
consistent with every epoch of it: keep the previous `patience` validation losses (the
current one excluded). Once that window is full, an epoch is *good* when
`min(window) - loss >= tolerance`, else *bad*. A good epoch resets the count of
bad epochs; training stops when the count exceeds `patience`. The best epoch is
the one with the lowest validation loss, and it is the model that is kept.
"""

import math


class SageMakerEarlyStopping:
    """Decides, epoch by epoch, whether to stop and which epoch is best.

    Args:
        patience: SageMaker's `early_stopping_patience`.
        tolerance: SageMaker's `early_stopping_tolerance`.

    Example:
    >>> rule = SageMakerEarlyStopping(patience=2, tolerance=0.01)
    >>> [rule.update(loss) for loss in [0.2085, 0.1976, 0.2025, 0.1813]]
    [False, False, False, False]
    >>> rule.best_epoch
    3
    """

    def __init__(self, patience, tolerance):
        self.patience = patience
        self.tolerance = tolerance
        self.losses = []
        self.bad_epochs = 0

    def update(self, loss):
        """Records the next epoch's validation loss; returns True when training must stop."""
        loss = float(loss)
        if len(self.losses) >= self.patience:
            window = self.losses[-self.patience:]
            improvement = min(window) - loss
            if math.isfinite(improvement) and improvement >= self.tolerance:
                self.bad_epochs = 0
            else:
                self.bad_epochs += 1
        self.losses.append(loss)
        return self.bad_epochs > self.patience

    @property
    def best_epoch(self):
        """Index of the lowest finite validation loss so far, or None."""
        finite = [(loss, epoch) for epoch, loss in enumerate(self.losses) if math.isfinite(loss)]
        return min(finite)[1] if finite else None

    @property
    def is_best(self):
        """Whether the epoch just recorded is the best so far."""
        return self.best_epoch == len(self.losses) - 1

    def get_state(self):
        return {"losses": list(self.losses), "bad_epochs": self.bad_epochs}

    def set_state(self, state):
        self.losses = [float(loss) for loss in state["losses"]]
        self.bad_epochs = int(state["bad_epochs"])

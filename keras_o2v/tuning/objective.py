"""Tuning objectives: SageMaker's metric names and directions
(https://docs.aws.amazon.com/sagemaker/latest/dg/object2vec-tuning.html), and keras_o2v's.

Beyond SageMaker's six objectives, `validation:` and `test:` take keras_o2v's
metrics (`keras_o2v.metric_names`): `retrieval_cross_entropy` (minimised) of
`training_objective=retrieval`, and the ranking metrics `hits_at_1|10|100`, `mrr`,
`auc` (maximised) and `mean_rank` (minimised). A ranking objective switches the
trials' `ranking_metrics` on unless the search fixes it.
"""

import dataclasses

from keras_o2v.errors import HyperparameterError
from keras_o2v.metric_names import RANKING_METRICS, direction

# name -> (direction, output_layer it needs)
OBJECTIVES = {
    "validation:accuracy": ("max", "softmax"),
    "validation:cross_entropy": ("min", "softmax"),
    "validation:mean_squared_error": ("min", "mean_squared_error"),
    "test:accuracy": ("max", "softmax"),
    "test:cross_entropy": ("min", "softmax"),
    "test:mean_squared_error": ("min", "mean_squared_error"),
}
# keras_o2v's objectives: name -> (direction, output_layer it needs or None for any)
EXTENDED_OBJECTIVES = {
    f"{channel}:{metric}": (direction(f"{channel}:{metric}"),
                            "softmax" if metric == "auc" else None)
    for channel in ("validation", "test")
    for metric in ("retrieval_cross_entropy",) + RANKING_METRICS
}


@dataclasses.dataclass(frozen=True)
class Objective:
    """The metric a search optimises, with SageMaker's direction.

    A `validation:*` objective is read from the job's best validation epoch
    (the epoch whose model the job keeps); a `test:*` objective is that
    model's score on the test channel.

    Args:
        name: a SageMaker metric name, e.g. `validation:accuracy`.
        direction: "max" or "min".
        output_layer: the output_layer the metric exists for.

    Example:
    >>> Objective.from_name("validation:cross_entropy").direction
    'min'
    """

    name: str
    direction: str
    output_layer: str

    @classmethod
    def from_name(cls, name):
        """Looks up the direction for `name`; raises `HyperparameterError`."""
        known = {**OBJECTIVES, **EXTENDED_OBJECTIVES}
        if name not in known:
            raise HyperparameterError(
                f"Unknown objective {name!r}: expected one of {', '.join(known)}")
        goal_direction, output_layer = known[name]
        return cls(name, goal_direction, output_layer)

    @property
    def channel(self):
        return self.name.split(":")[0]

    @property
    def metric(self):
        return self.name.split(":")[1]

    @property
    def is_ranking(self):
        return self.metric in RANKING_METRICS

    def check_space(self, value):
        """Raises a clear error when trials would not report this metric.

        Args:
            value: `name -> value` of the search's fixed values and defaults
                (`SearchSpace.value`).
        """
        objective = value("training_objective")
        wanted = "retrieval" if self.metric == "retrieval_cross_entropy" else \
            None if self.is_ranking else "pair"
        if wanted is not None and objective != wanted:
            raise HyperparameterError(
                f"The objective {self.name} is reported with training_objective={wanted}, but "
                f"training_objective={objective}.")
        if self.is_ranking and value("ranking_metrics") is False:
            raise HyperparameterError(
                f"The objective {self.name} is a ranking metric, but ranking_metrics=False.")
        if self.output_layer is not None:
            self.check_output_layer(value("output_layer"))

    def check_output_layer(self, output_layer):
        """Raises a clear error when the model would not report this metric."""
        if self.output_layer is not None and output_layer != self.output_layer:
            raise HyperparameterError(
                f"The objective {self.name} needs output_layer={self.output_layer}, but "
                f"output_layer={output_layer}; with output_layer={output_layer} use "
                + " or ".join(n for n, (_, o) in OBJECTIVES.items()
                              if o == output_layer and n.startswith(self.channel)))

    def value(self, result):
        """The objective of a finished job (a `TrainingResult`), or None when missing."""
        if self.channel == "test":
            return result.test_metrics.get(self.name)
        for entry in result.history:
            if entry["epoch"] == result.best_epoch:
                return entry.get(self.name)
        return None

    def better(self, a, b):
        """Whether objective value `a` is better than `b`."""
        return a > b if self.direction == "max" else a < b

    def to_keras_tuner(self):
        import keras_tuner

        return keras_tuner.Objective(self.name, direction=self.direction)

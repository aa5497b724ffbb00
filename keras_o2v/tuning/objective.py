"""Tuning objectives: SageMaker's metric names and directions
(https://docs.aws.amazon.com/sagemaker/latest/dg/object2vec-tuning.html)."""

import dataclasses

from keras_o2v.errors import HyperparameterError

# name -> (direction, output_layer it needs)
OBJECTIVES = {
    "validation:accuracy": ("max", "softmax"),
    "validation:cross_entropy": ("min", "softmax"),
    "validation:mean_squared_error": ("min", "mean_squared_error"),
    "test:accuracy": ("max", "softmax"),
    "test:cross_entropy": ("min", "softmax"),
    "test:mean_squared_error": ("min", "mean_squared_error"),
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
        """Looks up SageMaker's direction for `name`; raises `HyperparameterError`."""
        if name not in OBJECTIVES:
            raise HyperparameterError(
                f"Unknown objective {name!r}: expected one of {', '.join(OBJECTIVES)}")
        direction, output_layer = OBJECTIVES[name]
        return cls(name, direction, output_layer)

    @property
    def channel(self):
        return self.name.split(":")[0]

    def check_output_layer(self, output_layer):
        """Raises a clear error when the model would not report this metric."""
        if output_layer != self.output_layer:
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

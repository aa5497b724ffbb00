"""Hyperparameter tuning with KerasTuner, one training job per trial.

`tune()` searches with random search, Bayesian optimisation or Hyperband over
SageMaker's recommended ranges (overridable), optimising a SageMaker metric in
SageMaker's direction. See `search_space` for the conditional parameters.
"""

from keras_o2v.tuning.objective import OBJECTIVES, Objective
from keras_o2v.tuning.ranges import Choice, Range, parse_range
from keras_o2v.tuning.results import TrialResult
from keras_o2v.tuning.search import STRATEGIES, TuningResult, tune
from keras_o2v.tuning.search_space import DEFAULT_RANGES, SearchSpace

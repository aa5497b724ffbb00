"""`keras_o2v.tune`: hyperparameter search where every trial is a training job.

Layout of `tuning_dir`:
```
tuning_dir/
  tuning.json       the search's settings (objective, strategy, space); checked on resume
  oracle/           KerasTuner's oracle state and trial records (for resuming)
  trials/<id>/      each trial's training job (a normal model_dir: model.keras, ...)
  results.csv       trial, status, objective, best epoch, tuned values, model_dir
  results.json      the same, plus the best trial and its model_dir
```
"""

import dataclasses
import json
import os
import sys
from typing import List, Optional

from keras_o2v.errors import HyperparameterError, O2VError
from keras_o2v.hyperparameters import Hyperparameters
from keras_o2v.tuning import results as results_module
from keras_o2v.tuning.objective import Objective
from keras_o2v.tuning.search_space import SearchSpace

STRATEGIES = ("random", "bayesian", "hyperband")
SETTINGS = "tuning.json"


@dataclasses.dataclass
class TuningResult:
    """What a search produced.

    Args:
        best: the best completed `TrialResult` (None when every trial failed).
        trials: every `TrialResult`, in trial order.
        tuning_dir: the tuning folder.
        objective: the `Objective`.
    """

    best: Optional[results_module.TrialResult]
    trials: List[results_module.TrialResult]
    tuning_dir: str
    objective: Objective

    @property
    def best_model_dir(self):
        """The best trial's model_dir, ready for `o2v export --model-dir`."""
        return self.best.model_dir if self.best else None


def tune(hyperparameters, train, validation, tuning_dir, objective, max_trials=10,
         strategy="bayesian", test=None, auxiliary=None, default_ranges=True,
         hyperband_factor=3, max_consecutive_failed_trials=3, seed=None, verbose="auto"):
    """Searches Object2Vec hyperparameters; each trial is a `keras_o2v.train` job.

    Rerunning on the same `tuning_dir` resumes: finished trials are not
    repeated, an interrupted trial continues from its last checkpoint, and a
    larger `max_trials` extends the search.

    Args:
        hyperparameters: dict of SageMaker name -> fixed value or range:
            `"16:1024:log"`, `"1:4"`, `"adam,sgd"` (see `keras_o2v.tuning.ranges`).
            `enc0_max_seq_len` and `enc0_vocab_size` must be fixed.
        train: train channel (file, folder or list).
        validation: validation channel; scores every epoch and picks the model.
        tuning_dir: output folder (see the module docstring).
        objective: SageMaker metric name: `validation:accuracy` (maximised),
            `validation:cross_entropy` or `validation:mean_squared_error`
            (minimised), or their `test:` versions (needs `test`); or a keras_o2v
            metric (`keras_o2v.tuning.objective`): `validation:mrr`,
            `validation:hits_at_10`, `validation:retrieval_cross_entropy`, ...
        max_trials: number of trials (failed ones included). For Hyperband,
            KerasTuner's cap on trials; its budget comes from `epochs`.
        strategy: "random", "bayesian" or "hyperband".
        test: optional test channel, scored with each trial's best model.
        auxiliary: optional folder of vocab / pretrained embedding files.
        default_ranges: also tune SageMaker's recommended range (object2vec-tuning.html) of
            every hyperparameter not given; False tunes only the given ranges.
        hyperband_factor: Hyperband's reduction factor.
        max_consecutive_failed_trials: stop the search after this many failed
            trials in a row.
        seed: seeds the oracle and every trial's job (same seed for all).
        verbose: 0 (quiet), 1 or 2 (KerasTuner's and the jobs' logs), or "auto".

    Returns:
        A `TuningResult`; the table is also in `results.csv` / `results.json`.

    Example:
    >>> result = keras_o2v.tune(
    ...     {"enc0_max_seq_len": "82", "enc0_vocab_size": "43533", "num_classes": "3",
    ...      "enc_dim": "16:1024:log"},
    ...     train="train.jsonl", validation="validation.jsonl", tuning_dir="hpo/",
    ...     objective="validation:accuracy", max_trials=3, default_ranges=False)  # doctest: +SKIP
    >>> result.best_model_dir  # doctest: +SKIP
    'hpo/trials/2'
    """
    keras_tuner = _import_keras_tuner()
    if strategy not in STRATEGIES:
        raise HyperparameterError(
            f"Unknown strategy {strategy!r}: expected one of {', '.join(STRATEGIES)}")
    if validation is None:
        raise O2VError("Tuning needs a validation channel: it scores every epoch and "
                       "picks each trial's model")
    goal = Objective.from_name(objective)
    if goal.channel == "test" and test is None:
        raise O2VError(f"The objective {goal.name} needs a test channel")
    if not isinstance(max_trials, int) or max_trials < 1:
        raise O2VError(f"max_trials must be a positive integer, got {max_trials!r}")
    budget = "epochs" if strategy == "hyperband" else None
    hyperparameters = dict(hyperparameters)
    if goal.is_ranking:
        hyperparameters.setdefault("ranking_metrics", "True")
    space = SearchSpace(hyperparameters, default_ranges=default_ranges, budget=budget)
    goal.check_space(lambda name: _parsed(space, name))
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2

    tuning_dir = os.fspath(tuning_dir)
    os.makedirs(tuning_dir, exist_ok=True)
    _check_same_search(tuning_dir, {
        "objective": goal.name, "strategy": strategy, "space": space.to_dict(),
        "seed": seed, "hyperband_factor": hyperband_factor if budget else None})
    _validate_channels(space, train, validation, test)

    oracle = _make_oracle(keras_tuner, strategy, goal, space, max_trials, hyperband_factor,
                          max_consecutive_failed_trials, seed)
    from keras_o2v.tuning.trial_runner import TrainingJobTuner

    tuner = TrainingJobTuner(oracle, space, goal, tuning_dir, budget=budget, overwrite=False)
    tuner.oracle.max_trials = max_trials  # a rerun may extend the search
    print(f"Tuning {goal.name} ({goal.direction}imise) with {strategy} search, "
          f"{max_trials} trials, in {tuning_dir}. Search space:", flush=True)
    print("\n".join(space.summary()), flush=True)
    try:
        tuner.search(train=train, validation=validation, test=test, auxiliary=auxiliary,
                     seed=seed, verbose=verbose)
    except RuntimeError as error:
        if "consecutive failures" not in str(error):
            raise
        _finish(tuner, goal, tuning_dir)
        raise O2VError(f"Tuning stopped: {error}") from None
    return _finish(tuner, goal, tuning_dir)


def _finish(tuner, goal, tuning_dir):
    rows = results_module.collect(tuner)
    best = results_module.write(tuning_dir, rows, goal)
    print(results_module.format_table(rows, goal), flush=True)
    print(f"Results: {os.path.join(tuning_dir, results_module.RESULTS_CSV)}", flush=True)
    if best is not None:
        print(f"Best trial {best.trial_id}: {goal.name}={best.objective:.6g}. "
              f"Export it with: o2v export --model-dir {best.model_dir} --base-path BASE",
              flush=True)
    return TuningResult(best, rows, tuning_dir, goal)


def _make_oracle(keras_tuner, strategy, goal, space, max_trials, factor, max_failures, seed):
    common = dict(objective=goal.to_keras_tuner(),
                  hyperparameters=space.declare(keras_tuner.HyperParameters()),
                  allow_new_entries=False, tune_new_entries=True, seed=seed,
                  max_consecutive_failed_trials=max_failures)
    if strategy == "random":
        return keras_tuner.oracles.RandomSearchOracle(max_trials=max_trials, **common)
    if strategy == "bayesian":
        return keras_tuner.oracles.BayesianOptimizationOracle(max_trials=max_trials, **common)
    oracle = keras_tuner.oracles.HyperbandOracle(
        max_epochs=int(space.budget_limit), factor=factor, hyperband_iterations=1, **common)
    oracle.max_trials = max_trials  # Hyperband has its own budget; this caps it
    return oracle


def _check_same_search(tuning_dir, settings):
    path = os.path.join(tuning_dir, SETTINGS)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            previous = json.load(f)
        if previous != json.loads(json.dumps(settings)):
            changed = sorted(k for k in set(previous) | set(settings)
                             if previous.get(k) != json.loads(json.dumps(settings.get(k))))
            raise O2VError(
                f"{tuning_dir} holds a search with other settings ({', '.join(changed)}); "
                "use a new --tuning-dir, or the same settings to resume "
                "(only --max-trials may change).")
        return
    with open(path, "w", encoding="utf-8") as f:
        json.dump(settings, f, indent=2)
        f.write("\n")


def _parsed(space, name):
    from keras_o2v.hyperparameters import parse_value

    value = space.value(name)
    return value if value is None else parse_value(name, value)


def _validate_channels(space, train, validation, test):
    """Checks the data once (vocab sizes and labels), so trials can skip it."""
    from keras_o2v.data import validate_files

    hp = Hyperparameters.from_dict(space.default_point())
    for channel in (train, validation, test):
        if channel is not None:
            validate_files(channel, hp).raise_if_bad()


def _import_keras_tuner():
    try:
        import keras_tuner
    except ImportError:
        raise O2VError("Tuning needs KerasTuner: pip install 'keras-tuner>=1.4.7' "
                       "(Bayesian optimisation also needs scikit-learn and scipy)") from None
    return keras_tuner

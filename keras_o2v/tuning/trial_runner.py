"""A KerasTuner tuner whose trials are whole keras_o2v training jobs.

KerasTuner normally drives `model.fit` itself. Here each trial calls
`keras_o2v.train` into `<tuning_dir>/trials/<trial_id>/` (same early stopping,
metrics and model_dir as `o2v train`) and reports the objective read from that
job (see `Objective.value`). The oracle (random search, Bayesian optimisation
or Hyperband) only proposes values and records scores.

Resumption: the oracle's state is saved after every trial start and end. A
tuner built again on the same folder (KerasTuner's `overwrite=False`) reloads
it: finished trials are kept, and a trial that was running when the process
died goes back to the queue with the same id and values. Its job then resumes
from its own last checkpoint, since it trains into the same model_dir.

Hyperband: a trial's `tuner/epochs` becomes `epochs`. A trial that continues
an earlier one (`tuner/trial_id`) starts from a copy of that trial's
checkpoints, so only the extra epochs are trained.
"""

import math
import os
import shutil

import keras_tuner

from keras_o2v.errors import O2VError

TRIALS = "trials"


class TrainingJobTuner(keras_tuner.engine.base_tuner.BaseTuner):
    """Runs each trial as `keras_o2v.train` and returns its objective.

    Args:
        oracle: a KerasTuner oracle whose space came from `space.declare`.
        space: the `SearchSpace` (fixed values, ranges, tied widths).
        objective: the `Objective`.
        tuning_dir: the tuning folder; KerasTuner's files go to `oracle/`.
        budget: "epochs" when the oracle sets each trial's epochs (Hyperband).
        **kwargs: `overwrite` and the rest of `BaseTuner`'s arguments.
    """

    def __init__(self, oracle, space, objective, tuning_dir, budget=None, **kwargs):
        self.space = space
        self.objective = objective
        self.tuning_dir = os.fspath(tuning_dir)
        self.budget = budget
        super().__init__(oracle, hypermodel=None, directory=self.tuning_dir,
                         project_name="oracle", **kwargs)

    def trial_dir(self, trial_id):
        """The trial's training job folder (its model_dir)."""
        return os.path.join(self.tuning_dir, TRIALS, str(trial_id))

    def trial_hyperparameters(self, trial):
        """The SageMaker map the trial trains with."""
        values = trial.hyperparameters.values
        hp = self.space.hyperparameters(values)
        if self.budget and "tuner/epochs" in values:
            hp[self.budget] = values["tuner/epochs"]
        return hp

    def run_trial(self, trial, train, validation, test=None, auxiliary=None, seed=None,
                  verbose=2):
        from keras_o2v.training import train as run_job

        model_dir = self.trial_dir(trial.trial_id)
        values = trial.hyperparameters.values
        if "tuner/trial_id" in values:
            self._start_from(values["tuner/trial_id"], model_dir)
        try:
            result = run_job(self.trial_hyperparameters(trial), train=train, model_dir=model_dir,
                             validation=validation, test=test, auxiliary=auxiliary,
                             validate=False, seed=seed, verbose=verbose)
        except Exception as error:  # noqa: BLE001 - reported as a failed trial
            message = f"trial {trial.trial_id} failed: {type(error).__name__}: {error}"
            print(message, flush=True)
            raise keras_tuner.errors.FailedTrialError(message) from error
        value = self.objective.value(result)
        if value is None or math.isnan(value):
            message = (f"trial {trial.trial_id} failed: {self.objective.name} is "
                       f"{'missing' if value is None else 'NaN (the job diverged)'}")
            print(message, flush=True)
            raise keras_tuner.errors.FailedTrialError(message)
        return {self.objective.name: float(value)}

    def _start_from(self, past_trial_id, model_dir):
        """Hyperband: continue a past trial's job from a copy of its checkpoints."""
        if os.path.exists(os.path.join(model_dir, "checkpoints", "state.json")):
            return  # this trial was interrupted; it resumes from its own checkpoints
        source = os.path.join(self.trial_dir(past_trial_id), "checkpoints")
        if not os.path.isdir(source):
            raise O2VError(f"Hyperband continues trial {past_trial_id}, but {source} is missing")
        shutil.copytree(source, os.path.join(model_dir, "checkpoints"), dirs_exist_ok=True)

    def save_model(self, trial_id, model, step=0):
        """Jobs save their own models (`trials/<trial_id>/model.keras`)."""

    def load_model(self, trial):
        import keras

        return keras.saving.load_model(os.path.join(self.trial_dir(trial.trial_id), "model.keras"))

"""The results table of a search: one row per trial, written as CSV and JSON."""

import csv
import dataclasses
import io
import json
import os
from typing import Dict, List, Optional

RESULTS_CSV = "results.csv"
RESULTS_JSON = "results.json"


@dataclasses.dataclass
class TrialResult:
    """One trial of a search.

    Args:
        trial_id: KerasTuner's trial id; the job is in `trials/<trial_id>/`.
        status: "COMPLETED", "FAILED", "RUNNING" (interrupted) ...
        objective: the objective value, None unless completed.
        hyperparameters: the tuned values (KerasTuner's `tuner/*` entries omitted).
        model_dir: the trial's training job folder.
        best_epoch: the epoch its job kept, when finished.
        epochs_trained: how many epochs the job ran.
        message: why a trial failed.
    """

    trial_id: str
    status: str
    objective: Optional[float]
    hyperparameters: Dict
    model_dir: str
    best_epoch: Optional[int] = None
    epochs_trained: Optional[int] = None
    message: Optional[str] = None


def collect(tuner):
    """`TrialResult`s of every trial the oracle knows, in trial order."""
    rows = []
    for trial_id, trial in sorted(tuner.oracle.trials.items(), key=lambda kv: int(kv[0])):
        model_dir = tuner.trial_dir(trial_id)
        values = {k: v for k, v in trial.hyperparameters.values.items()
                  if not k.startswith("tuner/")}
        if tuner.budget and "tuner/epochs" in trial.hyperparameters.values:
            values[tuner.budget] = trial.hyperparameters.values["tuner/epochs"]
        score = float(trial.score) if trial.status == "COMPLETED" else None
        row = TrialResult(trial_id, str(trial.status), score, values, model_dir)
        metrics_path = os.path.join(model_dir, "metrics.json")
        if os.path.exists(metrics_path):
            with open(metrics_path, encoding="utf-8") as f:
                metrics = json.load(f)
            row.best_epoch = metrics["best_epoch"]
            row.epochs_trained = len(metrics["epochs"])
        if trial.message:
            row.message = trial.message.strip().splitlines()[-1]
        rows.append(row)
    return rows


def best_of(rows, objective):
    """The completed row with the best objective (SageMaker's direction), or None."""
    best = None
    for row in rows:
        if row.objective is not None and (best is None or objective.better(row.objective,
                                                                           best.objective)):
            best = row
    return best


def write(tuning_dir, rows, objective):
    """Writes `results.csv` and `results.json` into `tuning_dir`; returns the best row."""
    best = best_of(rows, objective)
    with open(os.path.join(tuning_dir, RESULTS_JSON), "w", encoding="utf-8") as f:
        json.dump({"objective": objective.name, "direction": objective.direction,
                   "best_trial": best.trial_id if best else None,
                   "best_model_dir": best.model_dir if best else None,
                   "trials": [dataclasses.asdict(row) for row in rows]}, f, indent=2)
        f.write("\n")
    with open(os.path.join(tuning_dir, RESULTS_CSV), "w", encoding="utf-8", newline="") as f:
        f.write(to_csv(rows, objective))
    return best


def to_csv(rows, objective):
    names = _parameter_names(rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["trial", "status", objective.name, "best_epoch", "epochs_trained", *names,
                     "model_dir"])
    for row in rows:
        writer.writerow([row.trial_id, row.status, _blank(row.objective), _blank(row.best_epoch),
                         _blank(row.epochs_trained),
                         *[_blank(row.hyperparameters.get(n)) for n in names], row.model_dir])
    return out.getvalue()


def format_table(rows, objective):
    """A fixed-width text table, best trial marked with `*`."""
    names = _parameter_names(rows)
    best = best_of(rows, objective)
    header = ["", "trial", "status", objective.name, *names]
    lines = [header]
    for row in rows:
        lines.append(["*" if row is best else "", row.trial_id, row.status,
                      _short(row.objective), *[_short(row.hyperparameters.get(n)) for n in names]])
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(str(v).ljust(w) for v, w in zip(line, widths)).rstrip()
                     for line in lines)


def _parameter_names(rows: List[TrialResult]):
    names = []
    for row in rows:
        names.extend(n for n in row.hyperparameters if n not in names)
    return sorted(names)


def _blank(value):
    return "" if value is None else value


def _short(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.5g}"
    return str(value)

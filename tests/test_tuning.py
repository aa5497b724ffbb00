"""Real (small) searches with `keras_o2v.tune`: best trial, ranges, resumption."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from keras_o2v.cli import main
from keras_o2v.hyperparameters import Hyperparameters
from keras_o2v.training import job as job_module
from keras_o2v.tuning import Choice, parse_range, tune
from tests.harness import ROOT, modular_match_pairs, subprocess_env, write_jsonl

FIXED = {"enc0_max_seq_len": "1", "enc0_vocab_size": "60", "enc0_network": "pooled_embedding",
         "mini_batch_size": "64", "epochs": "2"}
RANGES = {"enc0_token_embedding_dim": "4:16", "mlp_dim": "8:32:log",
          "learning_rate": "1e-3:1e-1:log", "mlp_layers": "1:2", "optimizer": "adam,sgd"}


@pytest.fixture(scope="module")
def channels(tmp_path_factory):
    folder = tmp_path_factory.mktemp("channels")
    return {
        "train": write_jsonl(folder / "train.jsonl", modular_match_pairs(800, seed=1)),
        "validation": write_jsonl(folder / "validation.jsonl", modular_match_pairs(200, seed=2)),
    }


def interrupt_trial(monkeypatch, trial_id, after_epoch=0):
    """Stops the process (KeyboardInterrupt) once `trial_id` has checkpointed `after_epoch`."""
    original = job_module._EpochEnd.on_epoch_end

    def on_epoch_end(self, epoch, logs=None):
        original(self, epoch, logs)
        if os.path.basename(self.directory.path) == trial_id and epoch == after_epoch:
            raise KeyboardInterrupt

    monkeypatch.setattr(job_module._EpochEnd, "on_epoch_end", on_epoch_end)


def test_interrupted_search_resumes_and_reports_the_best_trial(tmp_path, channels, monkeypatch,
                                                               capsys):
    tuning_dir = tmp_path / "hpo"
    settings = dict(hyperparameters={**FIXED, **RANGES}, tuning_dir=tuning_dir,
                    objective="validation:accuracy", max_trials=3, strategy="random",
                    default_ranges=False, seed=0, verbose=0, **channels)
    interrupt_trial(monkeypatch, "1")
    with pytest.raises(KeyboardInterrupt):
        tune(**settings)
    monkeypatch.undo()
    finished = os.path.getmtime(tuning_dir / "trials" / "0" / "metrics.json")
    oracle = json.loads((tuning_dir / "oracle" / "oracle.json").read_text())
    assert oracle["end_order"] == ["0"] and oracle["ongoing_trials"] == {"tuner0": "1"}
    interrupted = json.loads((tuning_dir / "oracle" / "trial_1" / "trial.json").read_text())
    capsys.readouterr()

    result = tune(**settings)
    out = capsys.readouterr().out
    # Trial 0 is not repeated; trial 1 runs again with its values, from its own checkpoint.
    assert os.path.getmtime(tuning_dir / "trials" / "0" / "metrics.json") == finished
    assert f"Resuming from {tuning_dir}/trials/1/checkpoints/epoch-0000.keras" in out
    assert [t.trial_id for t in result.trials] == ["0", "1", "2"]
    assert result.trials[1].hyperparameters == interrupted["hyperparameters"]["values"]
    assert all(t.status == "COMPLETED" for t in result.trials)

    # The best trial is the best by the objective recorded in each trial's own job.
    recorded = {}
    for trial in result.trials:
        metrics = json.loads((tuning_dir / "trials" / trial.trial_id / "metrics.json").read_text())
        best = next(e for e in metrics["epochs"] if e["epoch"] == metrics["best_epoch"])
        recorded[trial.trial_id] = best["validation:accuracy"]
        assert trial.objective == pytest.approx(recorded[trial.trial_id])
        # Every sampled value lies in its range, and the job trained with it.
        written = json.loads((tuning_dir / "trials" / trial.trial_id /
                              "hyperparameters.json").read_text())
        assert all(isinstance(v, str) for v in written.values())  # a SageMaker string map
        job_hp = Hyperparameters.from_dict(written).to_dict()
        assert set(trial.hyperparameters) == set(RANGES)
        for name, value in trial.hyperparameters.items():
            spec = parse_range(name, RANGES[name])
            assert spec.contains(value), (name, value, spec)
            assert job_hp[name] == value
            assert isinstance(spec, Choice) or isinstance(value, int) == spec.integer
        for name, value in FIXED.items():
            assert written[name] == value
    best_id = max(recorded, key=recorded.get)
    assert result.best.trial_id == best_id
    assert result.best_model_dir == str(tuning_dir / "trials" / best_id)
    assert os.path.exists(os.path.join(result.best_model_dir, "model.keras"))

    summary = json.loads((tuning_dir / "results.json").read_text())
    assert summary["best_trial"] == best_id and summary["direction"] == "max"
    with open(tuning_dir / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["trial"] for r in rows] == ["0", "1", "2"]
    assert float(rows[int(best_id)]["validation:accuracy"]) == pytest.approx(recorded[best_id])
    assert f"Best trial {best_id}: validation:accuracy=" in out
    assert f"o2v export --model-dir {tuning_dir}/trials/{best_id}" in out

    # A finished search run again trains nothing; other settings are refused.
    assert [t.objective for t in tune(**settings).trials] == [t.objective for t in result.trials]
    assert "Best model:" not in capsys.readouterr().out
    with pytest.raises(Exception, match="other settings \\(space\\)"):
        tune(**dict(settings, hyperparameters={**FIXED, **RANGES, "mlp_layers": "1:3"}))


@pytest.mark.large
def test_sigkill_during_a_trial_then_rerun_finishes_the_search(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", modular_match_pairs(20000, seed=5))
    validation = write_jsonl(tmp_path / "val.jsonl", modular_match_pairs(300, seed=6))
    tuning_dir = tmp_path / "hpo"
    command = [sys.executable, "-m", "keras_o2v.cli", "tune", "--train", train, "--validation",
               validation, "--objective", "validation:cross_entropy", "--max-trials", "3",
               "--strategy", "bayesian", "--tuning-dir", str(tuning_dir), "--seed", "1",
               "--no-default-ranges", *[f"{k}={v}" for k, v in {**FIXED, **RANGES}.items()
                                        if k != "epochs"], "epochs=3", "mini_batch_size=32"]
    process = subprocess.Popen(command, cwd=ROOT, env=subprocess_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    state = tuning_dir / "trials" / "1" / "checkpoints" / "state.json"
    deadline = time.time() + 400
    while time.time() < deadline and process.poll() is None and not state.exists():
        time.sleep(0.05)
    assert process.poll() is None, "the search ended before it could be interrupted"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = json.loads(state.read_text())["epoch"]
    finished = os.path.getmtime(tuning_dir / "trials" / "0" / "metrics.json")

    rerun = subprocess.run(command, cwd=ROOT, env=subprocess_env(), capture_output=True,
                           text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert os.path.getmtime(tuning_dir / "trials" / "0" / "metrics.json") == finished
    assert f"trials/1/checkpoints/epoch-{killed_at:04d}.keras" in rerun.stdout
    summary = json.loads((tuning_dir / "results.json").read_text())
    assert [t["status"] for t in summary["trials"]] == ["COMPLETED"] * 3
    best = min(summary["trials"], key=lambda t: t["objective"])
    assert summary["best_trial"] == best["trial_id"] and summary["direction"] == "min"


@pytest.mark.large
def test_hyperband_sets_epochs_and_continues_trials_from_their_checkpoints(tmp_path, channels):
    result = tune({**FIXED, **RANGES, "epochs": "1:3"}, tuning_dir=tmp_path,
                  objective="validation:cross_entropy", strategy="hyperband", max_trials=20,
                  default_ranges=False, seed=0, verbose=0, **channels)
    epochs = {t.trial_id: t.hyperparameters["epochs"] for t in result.trials}
    assert set(epochs.values()) <= {1, 3} and 3 in epochs.values()
    oracle_dir = tmp_path / "oracle"
    continued = 0
    for trial in result.trials:
        values = json.loads((oracle_dir / f"trial_{trial.trial_id}" / "trial.json").read_text())[
            "hyperparameters"]["values"]
        metrics = json.loads((tmp_path / "trials" / trial.trial_id / "metrics.json").read_text())
        assert len(metrics["epochs"]) <= values["tuner/epochs"]
        if "tuner/trial_id" in values:
            continued += 1
            past = json.loads((tmp_path / "trials" / values["tuner/trial_id"] /
                               "metrics.json").read_text())
            assert metrics["epochs"][:len(past["epochs"])] == past["epochs"]
    assert continued >= 1
    assert result.best.objective == min(t.objective for t in result.trials if t.objective)


def test_cli_runs_a_search_with_default_sagemaker_ranges(tmp_path, channels, capsys):
    code = main(["tune", "--train", channels["train"], "--validation", channels["validation"],
                 "--objective", "validation:cross_entropy", "--max-trials", "1", "--strategy",
                 "bayesian", "--tuning-dir", str(tmp_path), "--seed", "3", *[
                     f"{k}={v}" for k, v in FIXED.items()], "mini_batch_size=128:512:log",
                 "enc0_token_embedding_dim=4:8"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "  learning_rate=1e-06:1.0:log" in out and "  enc_dim" not in out
    trial = json.loads((tmp_path / "results.json").read_text())["trials"][0]
    assert 128 <= trial["hyperparameters"]["mini_batch_size"] <= 512
    assert 1 <= trial["hyperparameters"]["mlp_layers"] <= 4
    assert "enc0_cnn_filter_width" not in trial["hyperparameters"]


def test_failed_trials_are_recorded_and_the_search_goes_on(tmp_path, channels, monkeypatch):
    """A job that raises or diverges is a FAILED row; the best is among completed ones."""
    import math

    from keras_o2v import training
    from keras_o2v.training import TrainingResult

    outcomes = iter([RuntimeError("out of memory"), 0.5, math.nan, 0.25])

    def fake_train(hyperparameters, train, model_dir, validation=None, **kwargs):
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        history = [{"epoch": 0, "validation:cross_entropy": outcome}]
        return TrainingResult(None, model_dir, history, 0, False, {})

    monkeypatch.setattr(training, "train", fake_train)
    result = tune({**FIXED, **RANGES}, tuning_dir=tmp_path, objective="validation:cross_entropy",
                  max_trials=4, strategy="random", default_ranges=False, seed=0, verbose=0,
                  **channels)
    assert [t.status for t in result.trials] == ["FAILED", "COMPLETED", "FAILED", "COMPLETED"]
    assert "RuntimeError: out of memory" in result.trials[0].message
    assert "NaN (the job diverged)" in result.trials[2].message
    assert result.best.trial_id == "3" and result.best.objective == 0.25

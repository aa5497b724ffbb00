import json
import os
import re
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_o2v import Hyperparameters, O2VError, Object2Vec, make_dataset
from keras_o2v.cli import main
from keras_o2v.data.holdout import HoldOut
from keras_o2v.data.records import iter_chunks
from keras_o2v.training import train
from keras_o2v.training.model_dir import ModelDir
from keras_o2v.training.progress import ProgressLines
from keras_o2v_serving.launcher import free_port
from tests.harness import (
    JOB_HYPERPARAMETERS,
    ROOT,
    SCRIPTS,
    job_arguments,
    modular_match_pairs,
    o2v_command,
    run_o2v,
    subprocess_env,
    write_jsonl,
)

HP = JOB_HYPERPARAMETERS


@pytest.fixture(scope="module")
def channels(pair_channels):
    return pair_channels


def test_job_writes_artifacts_and_keeps_the_best_validation_epoch(tmp_path, channels, capsys):
    result = train(HP, model_dir=tmp_path, seed=0, verbose=0, **channels)
    out = capsys.readouterr().out
    for name in ("train:accuracy", "train:cross_entropy", "validation:accuracy",
                 "validation:cross_entropy", "test:accuracy", "test:cross_entropy"):
        assert f", {name}=" in out
    assert sorted(os.listdir(tmp_path)) == ["checkpoints", "hyperparameters.json", "logs",
                                            "metrics.json", "model.keras"]
    assert os.listdir(tmp_path / "logs")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    losses = [epoch["validation:cross_entropy"] for epoch in metrics["epochs"]]
    assert [e["epoch"] for e in metrics["epochs"]] == [0, 1, 2, 3]
    assert metrics["best_epoch"] == int(np.argmin(losses)) == result.best_epoch
    best = keras.saving.load_model(tmp_path / "model.keras")
    test_logs = best.evaluate(make_dataset(channels["test"], best.hyperparameters, training=False),
                              verbose=0, return_dict=True)
    assert metrics["test"]["test:accuracy"] == pytest.approx(test_logs["accuracy"], abs=1e-6)
    assert metrics["test"]["test:accuracy"] > 0.9
    saved = Hyperparameters.from_json(tmp_path / "hyperparameters.json")
    assert saved == Hyperparameters.from_dict(HP)


def test_early_stopping_ends_the_job_and_says_which_epoch_is_kept(tmp_path, channels, capsys):
    hp = dict(HP, epochs="30", early_stopping_patience="1", early_stopping_tolerance="0.1")
    result = train(hp, model_dir=tmp_path, seed=0, verbose=0, train=channels["train"],
                   validation=channels["validation"])
    assert result.stopped_early and len(result.history) < 30
    losses = [e["validation:cross_entropy"] for e in result.history]
    assert result.best_epoch == int(np.argmin(losses))
    lines = capsys.readouterr().out.splitlines()
    stop = next(line for line in lines if line.startswith("Stopping early"))
    assert stop.startswith(f"Stopping early after epoch {len(losses)}/30: for 2 epochs in a row the "
                           "validation loss was not early_stopping_tolerance=0.1 below the lowest of "
                           "the early_stopping_patience=1 epochs before it (SageMaker's rule).")
    assert stop.endswith(
        "This epoch has the lowest validation loss, but by less than the tolerance."
        if result.best_epoch == len(losses) - 1 else
        f"The lowest validation loss is epoch {result.best_epoch + 1}/30's.")
    best = re.fullmatch(
        rf"Best model: epoch {result.best_epoch + 1}/30 \(epoch={result.best_epoch} in the "
        rf"metrics\), the lowest validation loss \(([0-9.]+)\); saved to {tmp_path}/model\.keras",
        lines[-1])
    assert best and float(best.group(1)) == pytest.approx(min(losses), rel=1e-4)


def test_without_validation_the_last_epoch_is_kept(tmp_path, channels):
    result = train(dict(HP, epochs="2"), model_dir=tmp_path, verbose=0, train=channels["train"])
    assert result.best_epoch == 1 and "validation:accuracy" not in result.history[-1]


def test_other_hyperparameters_on_the_same_model_dir_are_refused(tmp_path, channels):
    train(dict(HP, epochs="1"), model_dir=tmp_path, verbose=0, train=channels["train"])
    with pytest.raises(O2VError, match="other hyperparameters.*mlp_dim"):
        train(dict(HP, epochs="1", mlp_dim="8"), model_dir=tmp_path, verbose=0,
              train=channels["train"])


@pytest.mark.parametrize("optimizer", ["adam", "adagrad", "adadelta", "rmsprop", "sgd"])
def test_every_sagemaker_optimizer_trains(optimizer, channels):
    hp = Hyperparameters.from_dict(dict(HP, optimizer=optimizer, weight_decay="0.01",
                                        learning_rate="0.05"))
    model = Object2Vec(hp)
    model.compile()
    keras_class = {"adam": keras.optimizers.Adam, "adagrad": keras.optimizers.Adagrad,
                   "adadelta": keras.optimizers.Adadelta, "rmsprop": keras.optimizers.RMSprop,
                   "sgd": keras.optimizers.SGD}[optimizer]
    assert isinstance(model.optimizer, keras_class)
    assert model.optimizer.weight_decay == pytest.approx(0.01)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(make_dataset(channels["validation"], hp), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))


def test_cli_reports_bad_records_with_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"label": 1, "in0": [1], "in1": [2]}\n{"label": 1, "in0": [99], "in1": [2]}\n')
    code = main(["train", "--train", str(bad), "--model-dir", str(tmp_path / "out"),
                 "enc0_max_seq_len=1", "enc0_vocab_size=60", "enc0_network=pooled_embedding"])
    assert code == 1
    err = capsys.readouterr().err
    assert "bad.jsonl:2: 'in0' id 99 is out of vocabulary (not less than enc0_vocab_size=60)" in err
    assert not (tmp_path / "out" / "model.keras").exists()


def test_cli_rejects_unknown_hyperparameters(tmp_path, capsys):
    code = main(["train", "--train", "x.jsonl", "--model-dir", str(tmp_path),
                 "enc0_max_seq_len=1", "enc0_vocab_size=60", "mlp_dimm=3"])
    assert code == 1 and "did you mean 'mlp_dim'" in capsys.readouterr().err


@pytest.mark.parametrize("channel", ["train", "validation", "test"])
@pytest.mark.parametrize("content", ["", "\n  \n\t\n"])
def test_an_empty_channel_is_refused_before_training(channel, content, tmp_path, capsys, channels):
    empty = tmp_path / f"{channel}.jsonl"
    empty.write_text(content)
    files = dict(channels, **{channel: str(empty)})
    code = main(["train", "--train", files["train"], "--validation", files["validation"], "--test",
                 files["test"], "--model-dir", str(tmp_path / "job"), *job_arguments(HP)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert f"{empty}:0: the {channel} channel holds no records (the file is empty or holds only " \
           "blank lines)" in err
    assert not (tmp_path / "job" / "hyperparameters.json").exists()


def test_validation_pairs_held_out_from_the_train_channel(tmp_path, capsys, channels):
    model_dir = tmp_path / "job"
    code = main(["train", "--train", channels["train"], "--model-dir", str(model_dir),
                 "--progress-seconds", "0.000001", *job_arguments(HP), "epochs=2",
                 "validation_fraction=0.2", "validation_seed=5"])
    out = capsys.readouterr().out
    assert code == 0
    saved = json.loads((model_dir / "hyperparameters.json").read_text())
    assert float(saved["validation_fraction"]) == 0.2 and int(saved["validation_seed"]) == 5
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert all("validation:cross_entropy" in epoch for epoch in metrics["epochs"])

    hp = Hyperparameters.from_dict(saved)
    holdout = HoldOut(0.2, seed=5)
    parts = {"train": holdout.part(channels["train"]),
             "validation": holdout.validation().part(channels["train"])}
    pairs, counts = {}, {}
    for name, part in parts.items():
        batches = list(make_dataset(part, hp, training=False))
        pairs[name] = {(int(a), int(b)) for features, _ in batches
                       for a, b in zip(features["in0"][:, 0], features["in1"][:, 0])}
        counts[name] = sum(len(labels) for _, labels in batches)
    assert pairs["train"] and pairs["validation"] and not pairs["train"] & pairs["validation"]
    assert counts["train"] + counts["validation"] == 2000
    assert 0.15 < counts["validation"] / 2000 < 0.25
    assert (f"Training {counts['train']:,} train, {counts['validation']:,} validation (held out "
            f"of train, validation_fraction=0.2) pairs; epochs 1..2 of 2, mini_batch_size 64, on 1 "
            "device(s): CPU:0") in out
    # Not a terminal: progress lines with step, total, pairs/s and ETA, then one line per epoch.
    steps = -(-counts["train"] // 64)
    assert f"epoch 1/2: step 1 of ~{steps} (" in out and "pairs/s, epoch ETA " in out
    assert f"epoch 2/2: step {steps} of ~{steps} (100%)" in out
    assert "epoch 2/2 done in " in out and "validation loss " in out


@pytest.mark.parametrize("extra, message", [
    (["--validation", "{validation}"], "a validation channel was given too; use one of them"),
    (["validation_fraction=0.00001"], "leaves 2000 train and 0 validation pairs of the 2000"),
    (["validation_fraction=0.7"], "Invalid value '0.7' for hyperparameter 'validation_fraction' "
                                  "(out of range)"),
])
def test_validation_fraction_mistakes_are_refused(extra, message, tmp_path, capsys, channels):
    extra = [value.format(**channels) for value in extra]
    code = main(["train", "--train", channels["train"], "--model-dir", str(tmp_path),
                 *job_arguments(HP), "validation_fraction=0.2", *extra])
    assert code == 1 and message in capsys.readouterr().err


def test_a_resumed_job_repeats_the_uninterrupted_numbers_and_tensorboard_has_each_epoch_once(
        tmp_path, monkeypatch, capsys, channels):
    hp = dict(HP, epochs="3", dropout="0.3", negative_sampling_rate="1", early_stopping_patience="5")
    settings = dict(train=channels["validation"], validation=channels["test"], seed=11, verbose=0)
    whole = train(hp, model_dir=tmp_path / "whole", **settings)

    original = ModelDir.save_model

    def killed_while_checkpointing_epoch_1(directory, model, path):
        if path == directory.checkpoint(1):
            raise KeyboardInterrupt  # after epoch 1 was trained and reported, before its state
        original(directory, model, path)

    monkeypatch.setattr(ModelDir, "save_model", killed_while_checkpointing_epoch_1)
    with pytest.raises(KeyboardInterrupt):
        train(hp, model_dir=tmp_path / "resumed", **settings)
    monkeypatch.undo()
    resumed = train(hp, model_dir=tmp_path / "resumed", **settings)
    assert "epoch 1/3 is the last one done" in capsys.readouterr().out
    assert [e["epoch"] for e in resumed.history] == [0, 1, 2]
    for a, b in zip(whole.history, resumed.history):
        assert a == pytest.approx(b, rel=1e-6)
    for a, b in zip(whole.model.get_weights(), resumed.model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)

    steps = {}
    for name in os.listdir(tmp_path / "resumed" / "logs"):
        for event in tf.compat.v1.train.summary_iterator(str(tmp_path / "resumed" / "logs" / name)):
            for value in event.summary.value:
                steps.setdefault(value.tag, []).append(event.step)
    assert steps and all(sorted(s) == [0, 1, 2] for s in steps.values()), steps


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_progress_lines_every_n_seconds_with_step_rate_and_eta():
    clock, lines = FakeClock(), []
    progress = ProgressLines(epochs=40, batch_size=100, seconds=30, expected_steps=None,
                             printer=lambda text, flush: lines.append(text), clock=clock)
    progress.on_epoch_begin(0)
    for step in range(200):  # 2 steps per second, 100 pairs each
        clock.now += 0.5
        progress.on_train_batch_end(step)
    clock.now += 5  # validation
    progress.on_epoch_end(0, {"loss": 0.51234, "val_loss": 0.49876})
    assert lines == ["epoch 1/40: step 60, 200 pairs/s", "epoch 1/40: step 120, 200 pairs/s",
                     "epoch 1/40: step 180, 200 pairs/s",
                     "epoch 1/40 done in 1 min 45 s (200 pairs/s): loss 0.5123, "
                     "validation loss 0.4988"]
    lines.clear()
    progress.on_epoch_begin(1)
    for step in range(61):
        clock.now += 0.5
        progress.on_train_batch_end(step)
    # 140 steps left in this epoch, 38 epochs of 200 steps after it, at 2 steps/s.
    assert lines == ["epoch 2/40: step 60 of ~200 (30%), 200 pairs/s, epoch ETA 1 min 10 s, "
                     "job ETA 1 h 4 min"]
    lines.clear()
    progress.on_epoch_begin(2)
    clock.now += 20  # the first step waits for the input pipeline: not counted in the rate
    progress.on_train_batch_end(0)
    for step in range(1, 21):
        clock.now += 0.5
        progress.on_train_batch_end(step)
    assert lines == ["epoch 3/40: step 21 of ~200 (10%), 200 pairs/s, epoch ETA 1 min 30 s, "
                     "job ETA 1 h 3 min"]


def test_sigkill_mid_run_then_rerun_resumes_from_last_completed_epoch(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", modular_match_pairs(8000, seed=5))
    val = write_jsonl(tmp_path / "val.jsonl", modular_match_pairs(300, seed=6))
    model_dir = tmp_path / "job"
    arguments = ["train", "--train", data, "--validation", val, "--model-dir", str(model_dir),
                 "--seed", "1", *job_arguments(HP), "epochs=4", "mini_batch_size=32",
                 "early_stopping_patience=5"]
    process = subprocess.Popen(o2v_command(*arguments), cwd=ROOT, env=subprocess_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    state = model_dir / "checkpoints" / "state.json"
    deadline = time.time() + 240
    while time.time() < deadline and process.poll() is None and not state.exists():
        time.sleep(0.02)
    assert process.poll() is None, "the job ended before it could be interrupted"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = json.loads(state.read_text())["epoch"]
    assert 0 <= killed_at < 3
    assert not (model_dir / "model.keras").exists()

    assert main(arguments) == 0  # the rerun, in this process
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert [e["epoch"] for e in metrics["epochs"]] == list(range(4))
    model = keras.saving.load_model(model_dir / "model.keras")
    assert model.predict({"in0": np.array([[3]]), "in1": np.array([[8]])}, verbose=0).shape == (1, 2)
    assert not [n for n in os.listdir(model_dir / "checkpoints") if n.startswith(".tmp-")]


def test_cli_devices_cpu_2_trains_with_mirrored_strategy_like_one_device(tmp_path, channels):
    hp = dict(HP, epochs="2", early_stopping_patience="5", learning_rate_decay="0.7")
    env = subprocess_env()
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # what a user's shell has: o2v silences TensorFlow itself
    done = run_o2v("train", "--devices", "cpu:2", "--seed", "7", "--train", channels["train"],
                   "--validation", channels["validation"], "--model-dir", tmp_path / "two",
                   *job_arguments(hp), env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "on 2 device(s): CPU:0, CPU:1" in done.stdout
    assert done.stderr == ""  # TensorFlow's C++ and absl logs are silenced

    # Keras initialises variables in another order under a strategy than without one.
    one = train(hp, model_dir=tmp_path / "one", seed=7, verbose=0, train=channels["train"],
                validation=channels["validation"], strategy=tf.distribute.OneDeviceStrategy("/cpu:0"))
    two = json.loads((tmp_path / "two" / "metrics.json").read_text())
    # Same global batch and seed; only the float summation order differs across replicas.
    assert two["epochs"][-1]["validation:accuracy"] == pytest.approx(
        one.history[-1]["validation:accuracy"], abs=0.02)
    assert two["epochs"][-1]["validation:cross_entropy"] == pytest.approx(
        one.history[-1]["validation:cross_entropy"], rel=0.1, abs=0.01)
    # The per-epoch learning-rate callback ran under MirroredStrategy: the kept epoch's rate.
    kept = keras.saving.load_model(tmp_path / "two" / "model.keras")
    rate = float(keras.ops.convert_to_numpy(kept.optimizer.learning_rate))
    assert rate == pytest.approx(0.01 * 0.7 ** two["best_epoch"], rel=1e-5)


def test_multi_worker_strategy_from_tf_config(tmp_path):
    train_file = write_jsonl(tmp_path / "train.jsonl", modular_match_pairs(600, seed=1))
    validation = write_jsonl(tmp_path / "validation.jsonl", modular_match_pairs(200, seed=2))
    workers = [f"127.0.0.1:{free_port()}" for _ in range(2)]
    model_dir = tmp_path / "shared"
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        processes.append(subprocess.Popen(
            [sys.executable, os.path.join(SCRIPTS, "multi_worker_train.py"), train_file,
             validation, str(model_dir)],
            cwd=ROOT, env=subprocess_env(TF_CONFIG=json.dumps(tf_config)),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = [p.communicate(timeout=400)[0] for p in processes]
    for process, output in zip(processes, outputs):
        assert process.returncode == 0, output[-3000:]
        assert "WORKER DONE" in output
    metric_lines = [[line for line in output.splitlines()
                     if line.startswith("#quality_metric") and "validation:" in line]
                    for output in outputs]
    assert metric_lines[0] and metric_lines[0] == metric_lines[1]  # workers agree, so stop together
    assert (model_dir / "model.keras").exists()
    assert json.loads((model_dir / "metrics.json").read_text())["epochs"][-1]["epoch"] == 1


def test_verbose_1_shows_keras_progress_bar_each_epoch_ended_before_its_metric_lines(
        tmp_path, capsys, channels):
    train(dict(HP, epochs="2"), model_dir=tmp_path, verbose=1, train=channels["validation"],
          validation=channels["test"])
    lines = capsys.readouterr().out.splitlines()
    for epoch in (0, 1):
        assert f"Epoch {epoch + 1}/2" in lines
        bar_end = next(i for i, line in enumerate(lines) if "val_loss" in line and
                       i > lines.index(f"Epoch {epoch + 1}/2"))
        first_metric = next(i for i, line in enumerate(lines)
                            if line.startswith("#quality_metric: host=") and f"epoch={epoch}," in line)
        assert bar_end < first_metric
    assert not [line for line in lines if "#quality_metric" in line and
                not line.startswith("#quality_metric")]


def test_held_out_validation_feeds_the_ranking_metrics_and_the_train_part_the_adaptation(
        tmp_path, capsys):
    from tests.retrieval_data import group_pairs, hyperparameters

    records = group_pairs(4, seed=1)
    path = write_jsonl(tmp_path / "train.jsonl", records)
    result = train(hyperparameters(retrieval_negatives="in_batch", epochs="1",
                                   validation_fraction="0.25", validation_seed="3"),
                   train=path, model_dir=tmp_path / "job", seed=0, verbose=0)
    out = capsys.readouterr().out
    held = HoldOut(0.25, seed=3)
    chunk = next(iter_chunks(path, result.model.hyperparameters))
    validation = int(held.is_held_out(chunk).sum())
    assert 0 < validation < len(records)
    assert f"{len(records) - validation} positive pairs (label > 0) are softmax targets" in out
    assert f"Ranking metrics on validation: {validation} positive pairs of " in out
    assert "validation:hits_at_10" in result.history[-1]

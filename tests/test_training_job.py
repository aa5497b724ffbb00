import json
import os
import signal
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from keras_o2v import Hyperparameters, O2VError, Object2Vec, make_dataset
from keras_o2v.cli import main
from keras_o2v.training import train
from tests.harness import modular_match_pairs, write_jsonl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "tests", "scripts")
HP = {"enc0_max_seq_len": "1", "enc0_vocab_size": "60", "enc0_network": "pooled_embedding",
      "enc0_token_embedding_dim": "16", "mlp_dim": "32", "learning_rate": "0.01",
      "mini_batch_size": "64", "epochs": "4"}


@pytest.fixture(scope="module")
def channels(tmp_path_factory):
    folder = tmp_path_factory.mktemp("channels")
    return {
        "train": write_jsonl(folder / "train.jsonl", modular_match_pairs(2000, seed=1)),
        "validation": write_jsonl(folder / "validation.jsonl", modular_match_pairs(400, seed=2)),
        "test": write_jsonl(folder / "test.jsonl", modular_match_pairs(400, seed=3)),
    }


def subprocess_env():
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    return env


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


def test_early_stopping_ends_the_job_and_keeps_the_best_epoch(tmp_path, channels):
    hp = dict(HP, epochs="30", early_stopping_patience="1", early_stopping_tolerance="0.1")
    result = train(hp, model_dir=tmp_path, seed=0, verbose=0, train=channels["train"],
                   validation=channels["validation"])
    assert result.stopped_early and len(result.history) < 30
    losses = [e["validation:cross_entropy"] for e in result.history]
    assert result.best_epoch == int(np.argmin(losses))


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


def test_sigkill_mid_run_then_rerun_resumes_from_last_completed_epoch(tmp_path):
    data = tmp_path / "train.jsonl"
    write_jsonl(data, modular_match_pairs(30000, seed=5))
    val = write_jsonl(tmp_path / "val.jsonl", modular_match_pairs(300, seed=6))
    model_dir = tmp_path / "job"
    command = [sys.executable, "-m", "keras_o2v.cli", "train", "--train", str(data),
               "--validation", val, "--model-dir", str(model_dir), "--seed", "1",
               *[f"{k}={v}" for k, v in HP.items() if k not in ("epochs", "mini_batch_size")],
               "epochs=6", "mini_batch_size=32", "early_stopping_patience=5"]
    process = subprocess.Popen(command, cwd=ROOT, env=subprocess_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    state = model_dir / "checkpoints" / "state.json"
    deadline = time.time() + 240
    while time.time() < deadline and process.poll() is None:
        if state.exists() and json.loads(state.read_text())["epoch"] >= 1:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the job ended before it could be interrupted"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = json.loads(state.read_text())["epoch"]
    assert 1 <= killed_at < 5
    assert not (model_dir / "model.keras").exists()

    rerun = subprocess.run(command, cwd=ROOT, env=subprocess_env(), capture_output=True,
                           text=True, timeout=400)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"epochs 0..{killed_at} are done; epoch {killed_at + 1} " in rerun.stdout
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert [e["epoch"] for e in metrics["epochs"]] == list(range(6))
    model = keras.saving.load_model(model_dir / "model.keras")
    assert model.predict({"in0": np.array([[3]]), "in1": np.array([[8]])}, verbose=0).shape == (1, 2)
    assert not [n for n in os.listdir(model_dir / "checkpoints") if n.startswith(".tmp-")]


def test_mirrored_strategy_on_two_logical_cpus_matches_one_device(tmp_path, channels):
    results = {}
    for count in (1, 2):
        run = subprocess.run(
            [sys.executable, os.path.join(SCRIPTS, "train_on_logical_cpus.py"), str(count),
             channels["train"], channels["validation"], str(tmp_path / f"job{count}")],
            cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        assert f"REPLICAS {count}" in run.stdout
        line = next(text for text in run.stdout.splitlines() if text.startswith("RESULT "))
        results[count] = json.loads(line[len("RESULT "):])
        line = next(text for text in run.stdout.splitlines() if text.startswith("LEARNING_RATE "))
        kept = json.loads(line[len("LEARNING_RATE "):])  # the kept epoch's rate, from its checkpoint
        assert kept["rate"] == pytest.approx(0.01 * 0.7 ** kept["best_epoch"], rel=1e-5)
    # Same global batch and seed; only the float summation order differs across replicas.
    assert results[2]["validation:accuracy"] == pytest.approx(results[1]["validation:accuracy"], abs=0.02)
    assert results[2]["validation:cross_entropy"] == pytest.approx(
        results[1]["validation:cross_entropy"], rel=0.1, abs=0.01)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_multi_worker_strategy_from_tf_config(tmp_path, channels):
    workers = [f"127.0.0.1:{free_port()}" for _ in range(2)]
    model_dir = tmp_path / "shared"
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        processes.append(subprocess.Popen(
            [sys.executable, os.path.join(SCRIPTS, "multi_worker_train.py"), channels["train"],
             channels["validation"], str(model_dir)],
            cwd=ROOT, env=dict(subprocess_env(), TF_CONFIG=json.dumps(tf_config)),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = [p.communicate(timeout=400)[0] for p in processes]
    for process, output in zip(processes, outputs):
        assert process.returncode == 0, output[-3000:]
        assert "WORKER DONE" in output
    metric_lines = [[line for line in output.splitlines() if "validation:" in line] for output in outputs]
    assert metric_lines[0] and metric_lines[0] == metric_lines[1]  # workers agree, so stop together
    assert (model_dir / "model.keras").exists()
    assert json.loads((model_dir / "metrics.json").read_text())["epochs"][-1]["epoch"] == 1

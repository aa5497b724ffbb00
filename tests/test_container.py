"""The SageMaker container's entry points end to end on a temporary /opt/ml:
train -> /opt/ml/model -> serve -> /invocations, failures, several hosts."""

import json
import os
import subprocess
import sys
import time

import pytest

from keras_o2v.container.paths import ContainerError, SageMakerPaths, tf_config
from keras_o2v.container.train import main as train_main
from keras_o2v.hyperparameters import Hyperparameters
from keras_o2v_serving.launcher import free_port, ping
from tests.harness import ROOT, modular_match_pairs, ok_json, write_jsonl

HYPERPARAMETERS = {"enc0_max_seq_len": "1", "enc0_vocab_size": "60", "enc0_network": "pooled_embedding",
                   "enc0_token_embedding_dim": "8", "enc_dim": "8", "mlp_dim": "8", "mlp_layers": "1",
                   "epochs": "1", "mini_batch_size": "32", "comparator_list": "hadamard, abs_diff",
                   "tied_token_embedding_weight": "False"}


def write_job(root, hyperparameters=HYPERPARAMETERS, channels=("train", "validation", "candidates")):
    config = root / "input" / "config"
    config.mkdir(parents=True)
    (config / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    (config / "resourceconfig.json").write_text(json.dumps(
        {"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "eth0"}))
    (config / "inputdataconfig.json").write_text(json.dumps({name: {
        "ContentType": "application/jsonlines", "TrainingInputMode": "File",
        "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"} for name in channels}))
    for seed, name in enumerate(channels):
        folder = root / "input" / "data" / name
        folder.mkdir(parents=True)
        if name == "candidates":
            write_jsonl(folder / "items.jsonl", [{"id": i, "in1": [i]} for i in range(1, 60)])
        else:
            write_jsonl(folder / "part-0.jsonl", modular_match_pairs(160 if name == "train" else 40,
                                                                    seed=seed))


def test_train_then_serve_then_invocations(tmp_path):
    root = tmp_path / "ml"
    write_job(root)
    (root / "checkpoints").mkdir()  # SageMaker checkpointing: epochs go there
    assert train_main(str(root)) == 0
    model = root / "model"
    assert {"model.keras", "hyperparameters.json", "metrics.json", "1"} <= set(os.listdir(model))
    written = json.loads((model / "hyperparameters.json").read_text())
    assert all(isinstance(v, str) for v in written.values())  # a SageMaker string map
    assert Hyperparameters.from_dict(written) == Hyperparameters.from_dict(HYPERPARAMETERS)
    assert written["comparator_list"] == "hadamard, abs_diff"
    assert any(name.startswith("epoch-") for name in os.listdir(root / "checkpoints" / "checkpoints"))
    assert not (root / "output" / "failure").exists()

    port = free_port()
    env = dict(os.environ, O2V_OPT_ML=str(root), SAGEMAKER_BIND_TO_PORT=str(port),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
               PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="3")
    server = subprocess.Popen([os.path.join(ROOT, "serving", "container", "serve")], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while ping(url) != 200:
            assert server.poll() is None, server.stderr.read().decode()[-3000:]
            assert time.time() < deadline
            time.sleep(0.2)
        answer = ok_json(url + "/invocations", "POST", {"instances": [
            {"in0": [3], "in1": [8]}, {"in0": [3], "k": 5, "exclude": [8]}]})["predictions"]
        assert len(answer[0]["scores"]) == 2 and abs(sum(answer[0]["scores"]) - 1) < 1e-5
        assert len(answer[1]["ids"]) == 5 and 8 not in answer[1]["ids"]
        assert ok_json(url + "/execution-parameters")["MaxPayloadInMB"] == 6
    finally:
        server.terminate()
        server.wait(30)


def test_failed_job_writes_the_reason(tmp_path):
    root = tmp_path / "ml"
    write_job(root, dict(HYPERPARAMETERS, enc0_network="transformer"), channels=("train",))
    env = dict(os.environ, O2V_OPT_ML=str(root), PYTHONPATH=ROOT,
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    done = subprocess.run([os.path.join(ROOT, "serving", "container", "train")], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    reason = (root / "output" / "failure").read_text()
    assert "enc0_network" in reason and "transformer" in reason
    (root / "output" / "failure").unlink()
    (root / "input" / "config" / "hyperparameters.json").write_text('{"epochs": 3}')
    assert train_main(str(root)) == 1
    assert "not strings: epochs" in (root / "output" / "failure").read_text()


def test_channels_and_hosts(tmp_path):
    root = tmp_path / "ml"
    write_job(root, channels=("train",))
    paths = SageMakerPaths(str(root))
    assert paths.channels() == {"train": str(root / "input" / "data" / "train")}
    config = root / "input" / "config" / "inputdataconfig.json"
    config.write_text(json.dumps({"train": {"TrainingInputMode": "Pipe"}}))
    with pytest.raises(ContainerError, match="Pipe is not supported"):
        paths.channels()
    config.write_text(json.dumps({"train": {"ContentType": "text/csv"}}))
    with pytest.raises(ContainerError, match="text/csv is not supported"):
        paths.channels()
    assert tf_config({"current_host": "algo-1", "hosts": ["algo-1"]}) is None
    assert tf_config({"current_host": "algo-2", "hosts": ["algo-1", "algo-2", "algo-3"]}) == {
        "cluster": {"worker": ["algo-1:2222", "algo-2:2222", "algo-3:2222"]},
        "task": {"type": "worker", "index": 1}}
    with pytest.raises(ContainerError, match="not in hosts"):
        tf_config({"current_host": "algo-9", "hosts": ["algo-1", "algo-2"]})

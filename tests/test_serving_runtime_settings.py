"""How `o2v serve` runs: its event loop (uvloop by default where installed, asyncio's on
request) and TensorFlow's thread pools (TF Serving's `--tensorflow_*_parallelism`)."""

import asyncio
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import keras_o2v_serving as serving
from keras_o2v_serving.event_loop import new_event_loop
from tests.harness import ROOT, ok_json, predict_scores

HAVE_UVLOOP = sys.platform != "win32"  # requirements.txt installs uvloop everywhere else


def _loop_kind(loop):
    return type(loop).__module__.split(".")[0]


@pytest.mark.skipif(not HAVE_UVLOOP, reason="uvloop is not built for Windows")
def test_auto_and_uvloop_give_a_uvloop_loop():
    for choice in ("auto", "uvloop"):
        loop, name = new_event_loop(choice)
        try:
            assert name == "uvloop" and _loop_kind(loop) == "uvloop"
            assert loop.run_until_complete(asyncio.sleep(0, result=7)) == 7
        finally:
            loop.close()


def test_asyncio_gives_the_standard_loop():
    loop, name = new_event_loop("asyncio")
    try:
        assert name == "asyncio" and isinstance(loop, asyncio.BaseEventLoop)
        assert _loop_kind(loop) == "asyncio"
    finally:
        loop.close()


def test_without_uvloop_auto_falls_back_and_uvloop_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvloop", None)  # makes `import uvloop` fail
    loop, name = new_event_loop("auto")
    loop.close()
    assert name == "asyncio" and _loop_kind(loop) == "asyncio"
    with pytest.raises(ValueError, match="--loop uvloop: uvloop is not installed"):
        new_event_loop("uvloop")


def test_an_unknown_loop_is_refused_by_name():
    with pytest.raises(ValueError, match="auto, uvloop, asyncio.*'tokio'"):
        new_event_loop("tokio")
    with pytest.raises(ValueError, match="event_loop must be one of .*'tokio'"):
        serving.ServerConfig(model_base_path="models/o2v", event_loop="tokio")


@pytest.mark.parametrize("choice", ["auto", "asyncio"])
def test_background_server_answers_on_either_loop(tiny_bilstm_export, choice):
    model, version_dir = tiny_bilstm_export
    config = serving.ServerConfig(model_base_path=os.path.dirname(version_dir), event_loop=choice)
    with serving.BackgroundServer(config) as background:
        assert background.event_loop == ("uvloop" if choice == "auto" and HAVE_UVLOOP else "asyncio")
        answer = ok_json(background.url + "/invocations", "POST",
                         {"instances": [{"in0": [1, 2], "in1": [3]}]})
    np.testing.assert_allclose(answer["predictions"][0]["scores"],
                               predict_scores(model, [[1, 2]], [[3]])[0], atol=1e-5)


def test_serve_command_logs_its_loop_and_tensorflow_threads(tiny_bilstm_export):
    _, version_dir = tiny_bilstm_export
    env = {"PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with serving.ServeProcess(["--model-base-path", os.path.dirname(version_dir), "--loop",
                               "asyncio", "--tensorflow-intra-op-parallelism", "1"],
                              env=env) as server:
        ok_json(server.url + "/invocations", "POST", {"instances": [{"in0": [1, 2]}]})
        log = server.log_tail(100_000)
    assert "Event loop: asyncio" in log
    assert "TensorFlow threads: intra-op 1, inter-op 0" in log


def test_tensorflow_threads_are_set_before_the_first_operation_or_refused_by_name():
    script = textwrap.dedent("""
        import tensorflow as tf
        from keras_o2v_serving.tensorflow_threads import configure_tensorflow_threads
        print(configure_tensorflow_threads(1, 2))
        tf.constant(1.0) + 1.0  # the runtime starts with these pools
        print(configure_tensorflow_threads(1, 2))  # the same: fine
        print(configure_tensorflow_threads(0, 0))  # the defaults leave the pools alone
        try:
            configure_tensorflow_threads(3, 2)
        except ValueError as error:
            print("refused:", error)
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.path.join(ROOT, "serving")]),
               TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                         timeout=120, check=True).stdout.splitlines()
    assert out[:3] == ["(1, 2)", "(1, 2)", "(1, 2)"]
    assert out[3].startswith("refused: TensorFlow already runs in this process with intra-op 1 "
                             "and inter-op 2 threads")
    assert "--tensorflow-intra-op-parallelism 3" in out[3]


def test_negative_thread_counts_are_refused():
    with pytest.raises(ValueError, match="tensorflow_inter_op_parallelism must be 0 .* got -1"):
        serving.ServerConfig(model_base_path="models/o2v", tensorflow_inter_op_parallelism=-1)

"""`o2v` as a new user meets it: a fast `--help`, quiet commands, `name=value` anywhere,
one clear error (no traceback) for a wrong device or Keras backend."""

import json
import os
import sys
import types

import pytest

import keras_o2v
from keras_o2v.cli import build_parser, main, split_assignments
from keras_o2v.keras_backend import KerasBackendError
from keras_o2v.tensorflow_logs import filtered_stderr, is_noise, quiet_import
from tests.harness import JOB_HYPERPARAMETERS, job_arguments, run_python, subprocess_env

# What TensorFlow 2.21 prints to stderr on import and first use on a machine without a GPU.
TENSORFLOW_NOISE = [
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
    b"I0000 00:00:1796129659.614341   21295 port.cc:153] oneDNN custom operations are on.\n",
    b"I0000 00:00:1796129659.614785   21295 cudart_stub.cc:31] Could not find cuda drivers on "
    b"your machine, GPU will not be used.\n",
    b"I0000 00:00:1796129659.672670   21295 cpu_feature_guard.cc:227] This TensorFlow binary "
    b"is optimized to use available CPU instructions in performance-critical operations.\n",
    b"To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild "
    b"TensorFlow with the appropriate compiler flags.\n",
    b"W0000 00:00:1796129673.202497   21295 some_file.cc:52] a warning\n",
]
KEPT = [b"E0000 00:00:1796129673.202497   21295 op_kernel.cc:52] a real error\n",
        b"Traceback (most recent call last):\n", b"<string>:1: UserWarning: hello\n"]


def test_help_and_the_serving_front_import_neither_tensorflow_nor_keras():
    script = (
        "import sys\n"
        "from keras_o2v.cli import build_parser, main\n"
        "commands = sorted(build_parser()._subparsers._group_actions[0].choices)\n"
        "for argv in [['--help']] + [[name, '--help'] for name in commands]:\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit as exit:\n"
        "        assert exit.code == 0, argv\n"
        "print('COMMANDS', len(commands))\n"
        "print('LOADED', sorted(m for m in ('tensorflow', 'keras', 'aiohttp') if m in sys.modules))\n"
        "import keras_o2v_serving.run, keras_o2v.export.versions  # o2v serve --tfserving-url\n"
        "print('FRONT', sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n")
    done = run_python(["-c", script], timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert int(next(line for line in lines if line.startswith("COMMANDS ")).split()[1]) >= 10
    assert "LOADED []" in lines and "FRONT []" in lines


def test_tensorflow_log_lines_are_noise_and_errors_are_not():
    assert all(is_noise(line) for line in TENSORFLOW_NOISE)
    assert not any(is_noise(line) for line in KEPT)


def test_filtered_stderr_drops_the_noise_and_passes_everything_else(capfd):
    with filtered_stderr():
        for line in TENSORFLOW_NOISE[:3] + KEPT + TENSORFLOW_NOISE[3:]:
            os.write(2, line)
    assert capfd.readouterr().err.encode() == b"".join(KEPT)


def test_a_quiet_import_filters_what_the_module_prints_while_it_loads(tmp_path, monkeypatch, capfd):
    (tmp_path / "noisy_native_module.py").write_bytes(
        b"import os\n" + b"".join(b"os.write(2, %r)\n" % line for line in TENSORFLOW_NOISE + KEPT))
    monkeypatch.syspath_prepend(str(tmp_path))
    called = []
    quiet_import("noisy_native_module", then=lambda: called.append(True))
    import noisy_native_module  # noqa: F401

    assert capfd.readouterr().err.encode() == b"".join(KEPT)
    assert called == [True] and noisy_native_module.__loader__.__class__.__name__ == "SourceFileLoader"


@pytest.mark.parametrize("argv, environment, quiet", [
    (["train", "--help"], {}, True),
    (["--verbose", "train", "--help"], {}, False),
    (["train", "--verbose", "--help"], {}, False),
    (["train", "--help"], {"O2V_VERBOSE": "1"}, False),
])
def test_verbose_flag_or_environment_keeps_tensorflow_logs(argv, environment, quiet):
    script = (
        "import os, sys\n"
        "from keras_o2v.cli import build_parser\n"
        "from keras_o2v.tensorflow_logs import quiet_tensorflow\n"
        f"args = build_parser().parse_args({argv[:-1]!r} + ['--train', 't', '--model-dir', 'm'])\n"
        "quiet_tensorflow(verbose=args.verbose or None)\n"
        "print(os.environ.get('TF_CPP_MIN_LOG_LEVEL'), "
        "any(type(f).__name__ == '_QuietImportFinder' for f in sys.meta_path))\n")
    env = subprocess_env(**environment)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    done = run_python(["-c", script], env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == (["3", "True"] if quiet else ["None", "False"])


def test_hyperparameters_are_taken_anywhere_on_the_command_line():
    parser = build_parser()
    argv = ["train", "epochs=2", "--train", "t.jsonl", "u.jsonl", "mlp_dim=8", "--validation",
            "v.jsonl", "learning_rate=0.1", "--model-dir", "out=1", "--seed", "3", "enc0_vocab_size=9"]
    remaining, assignments = split_assignments(parser, argv)
    args = parser.parse_args(remaining)
    assert assignments == ["epochs=2", "mlp_dim=8", "learning_rate=0.1", "enc0_vocab_size=9"]
    assert args.train == ["t.jsonl", "u.jsonl"] and args.validation == ["v.jsonl"]
    assert args.model_dir == "out=1" and args.seed == 3  # the value of a one-value option stays


def test_an_existing_file_that_looks_like_an_assignment_is_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "split=1.jsonl").write_text("")
    parser = build_parser()
    remaining, assignments = split_assignments(
        parser, ["train", "--train", "split=1.jsonl", "epochs=2", "--model-dir", "m"])
    assert assignments == ["epochs=2"] and parser.parse_args(remaining).train == ["split=1.jsonl"]


def test_a_hyperparameter_after_a_channel_option_is_read_as_one(tmp_path, capsys, pair_channels):
    code = main(["train", "--train", pair_channels["train"], "--validation",
                 pair_channels["validation"], "mlp_dimm=3", "--model-dir", str(tmp_path),
                 "enc0_max_seq_len=1", "enc0_vocab_size=60"])
    err = capsys.readouterr().err
    assert code == 1 and "Unknown hyperparameter 'mlp_dimm'; did you mean 'mlp_dim'?" in err


@pytest.mark.parametrize("options, message", [
    (["--gpus", "2"], "--gpus 2: asked for 2 GPU(s), but 0 are visible (none)"),
    (["--gpus", "two"], "--gpus two: expected 'all' or a number of GPUs"),
    (["--devices", "tpu:2"], "--devices tpu:2: expected cpu, cpu:N"),
    (["--devices", "gpu:1"], "--devices gpu:1: asked for 1 GPU(s), but 0 are visible (none)"),
    (["--devices", "cpu:3"], "the CPU can no longer be split into 3 logical devices"),
    (["--gpus", "1", "--devices", "cpu"], "give --gpus or --devices, not both"),
])
def test_device_mistakes_are_cli_errors_that_say_what_is_visible(
        options, message, tmp_path, capsys, pair_channels):
    import tensorflow as tf

    assert not tf.config.list_logical_devices("GPU"), "this test expects a machine without GPUs"
    tf.constant(1)  # TensorFlow has initialised its devices, as in any process that ran an op
    code = main(["train", "--train", pair_channels["train"], "--model-dir", str(tmp_path),
                 *options, *job_arguments(JOB_HYPERPARAMETERS)])
    err = capsys.readouterr().err
    assert code == 1 and message in err and "Traceback" not in err
    assert not (tmp_path / "hyperparameters.json").exists()


@pytest.mark.parametrize("environment", [
    {"KERAS_BACKEND": "jax"},
    {"KERAS_HOME": "{tmp}"},
])
def test_another_keras_backend_is_one_clear_error_at_import(environment, tmp_path):
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "torch"}))
    env = subprocess_env(**{k: v.format(tmp=tmp_path) for k, v in environment.items()})
    if "KERAS_HOME" in environment:
        env.pop("KERAS_BACKEND")
    done = run_python(["-c", "import keras_o2v"], env=env, timeout=60)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("keras_o2v.keras_backend.KerasBackendError: keras_o2v needs Keras' "
                           "TensorFlow backend, but Keras is set to use")
    assert ("'jax' (by the KERAS_BACKEND environment variable)" in last if "KERAS_BACKEND" in
            environment else f"'torch' (by {tmp_path / 'keras.json'})" in last)
    assert "KERAS_BACKEND=tensorflow" in last


def test_keras_imported_later_under_another_backend_is_the_same_error():
    stub = types.SimpleNamespace(backend=types.SimpleNamespace(backend=lambda: "jax"))
    with pytest.raises(KerasBackendError, match="set to use 'jax'"):
        keras_o2v._register_keras_classes(stub)
    assert sys.modules["keras"].backend.backend() == "tensorflow"

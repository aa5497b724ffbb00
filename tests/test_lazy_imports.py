"""`import keras_o2v` and the inference protocol stay TensorFlow-free; Keras still finds our classes."""

import subprocess
import sys
import textwrap

import keras_o2v
from tests.harness import tiny_model


def run_python(code):
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_package_and_protocol_imports_do_not_load_tensorflow():
    out = run_python("""
        import sys
        import keras_o2v
        import keras_o2v_serving
        from keras_o2v.inference import to_tfserving_request
        from keras_o2v.inference.protocol import parse_instances, decode_request
        print(to_tfserving_request([{"in0": [5, 6]}, {"in0": [7]}])["instances"][1])
        print(sorted(m for m in ("tensorflow", "keras") if m in sys.modules))
    """)
    assert out.splitlines() == ["{'in0': [7, 0]}", "[]"]


def test_a_saved_model_loads_after_a_plain_import(tmp_path):
    path = tmp_path / "model.keras"
    model = tiny_model("hcnn")
    model.compile()
    model.save(path)
    out = run_python(f"""
        import keras_o2v
        import keras
        model = keras.saving.load_model({str(path)!r})
        print(type(model).__name__, type(model.optimizer).__name__)
    """)
    assert out.split() == ["Object2Vec", "SummedRowsAdam"]


def test_every_public_name_resolves():
    for name in keras_o2v.__all__:
        assert getattr(keras_o2v, name) is not None, name
    assert set(keras_o2v.__all__) <= set(dir(keras_o2v))

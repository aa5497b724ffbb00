"""`.keras` files saved by keras_o2v 0.2.0 load with today's code and give the same numbers."""

import json
import os
import warnings

import keras
import numpy as np
import pytest

from keras_o2v.data import pad_sequences

FOLDER = os.path.join(os.path.dirname(__file__), "data", "legacy_keras")
with open(os.path.join(FOLDER, "expected.json")) as _file:
    EXPECTED = json.load(_file)


@pytest.mark.parametrize("name", sorted(EXPECTED["models"]))
def test_a_file_saved_by_0_2_loads_with_its_weights_and_optimizer_state(name):
    expected = EXPECTED["models"][name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = keras.saving.load_model(os.path.join(FOLDER, f"{name}.keras"))
    assert not [str(w.message) for w in caught if "Skipping" in str(w.message)]
    in0 = pad_sequences(EXPECTED["in0"]).astype("int64")
    in1 = pad_sequences(expected["in1"]).astype("int64")
    np.testing.assert_allclose(np.asarray(model({"in0": in0, "in1": in1})), expected["scores"],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.embed(in0=EXPECTED["in0"]), expected["embed_in0"],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.embed(in1=expected["in1"]), expected["embed_in1"],
                               rtol=1e-5, atol=1e-6)
    # Every layer of the old model is there, in the old order (which names the saved weights).
    old = [n for n in expected["layers"] if n not in ("in0", "in1")]
    assert [layer.name for layer in model.layers if layer.name in old] == old
    # The optimizer's state came back: one trained epoch of 4 steps.
    assert int(model.optimizer.iterations) == 4

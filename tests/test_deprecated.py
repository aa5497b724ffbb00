"""keras_o2v 0.1's import paths still work, warn, and give the objects of their new homes."""

import importlib
import sys

import keras
import numpy as np
import pytest

import keras_o2v
from keras_o2v import optimizers
from keras_o2v.deprecated import MOVED_MODULES


@pytest.mark.parametrize("old", sorted(MOVED_MODULES))
def test_moved_modules_import_with_a_warning_and_alias_the_new_ones(old, monkeypatch):
    monkeypatch.delitem(sys.modules, old, raising=False)
    new, renamed = MOVED_MODULES[old]
    with pytest.warns(DeprecationWarning, match=new.replace(".", r"\.")):
        module = importlib.import_module(old)
    target = importlib.import_module(new)
    public = [name for name in vars(target) if not name.startswith("_")]
    assert public and all(getattr(module, name) is getattr(target, name) for name in public)
    for old_name, new_name in renamed.items():
        assert getattr(module, old_name) is getattr(target, new_name)


def test_old_optimizer_class_names_deserialize_to_the_renamed_classes():
    for name in ("Adam", "Adagrad", "Adadelta", "RMSprop"):
        assert keras.saving.get_registered_object(f"keras_o2v>{name}") is \
            getattr(optimizers, f"SummedRows{name}")
    config = keras.optimizers.serialize(optimizers.SummedRowsAdam(learning_rate=0.01))
    config["registered_name"] = "keras_o2v>Adam"  # as keras_o2v 0.1 wrote it
    assert type(keras.optimizers.deserialize(config)) is optimizers.SummedRowsAdam


def test_moved_names_warn_and_work():
    with pytest.warns(DeprecationWarning, match=r"keras_o2v\.data\.pad_sequences"):
        padded = keras_o2v.models.pad_sequences([[1], [2, 3]])
    np.testing.assert_array_equal(padded, [[1, 0], [2, 3]])
    with pytest.warns(DeprecationWarning, match="ALPHANUMERIC_WORDS"):
        tokens = [keras_o2v.datasets.tokenize("Don't PANIC, 42!"), ["panic"]]
    assert tokens[0] == ["don't", "panic", "42"]
    with pytest.warns(DeprecationWarning):
        vocab = keras_o2v.datasets.build_vocabulary(tokens)
    assert vocab == {"<pad>": 0, "<unk>": 1, "panic": 2, "42": 3, "don't": 4}
    with pytest.warns(DeprecationWarning):
        assert keras_o2v.datasets.encode(["panic", "zzz"], vocab) == [2, 1]

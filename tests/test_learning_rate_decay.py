import keras
import numpy as np
import pytest

from keras_o2v import Hyperparameters, Object2Vec
from keras_o2v.optimizers import LearningRateDecay
from tests.harness import additive_rating_pairs


def _hp(**extra):
    return Hyperparameters(enc0_max_seq_len=1, enc0_vocab_size=20, enc0_network="pooled_embedding",
                           enc0_token_embedding_dim=8, mlp_layers=0, learning_rate=0.01,
                           output_layer="mean_squared_error", mini_batch_size=16, **extra)


def _arrays(count=64):
    pairs = additive_rating_pairs(count, users=19, items=19)
    x = {"in0": np.array([p["in0"] for p in pairs]), "in1": np.array([p["in1"] for p in pairs])}
    return x, np.array([p["label"] for p in pairs], np.float32)


class _RecordRate(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.rates = []

    def on_epoch_end(self, epoch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate))


def test_fit_decays_the_rate_every_epoch_and_a_resumed_fit_continues_the_schedule():
    model = Object2Vec(_hp(learning_rate_decay=0.5))
    model.compile()
    x, y = _arrays()
    seen = _RecordRate()
    model.fit(x, y, epochs=3, callbacks=[seen], verbose=0)
    model.fit(x, y, epochs=5, initial_epoch=3, callbacks=[seen], verbose=0)
    np.testing.assert_allclose(seen.rates, [0.01 * 0.5 ** e for e in range(5)], rtol=1e-6)


def test_rate_stays_constant_without_decay_or_with_an_optimizer_of_ones_own():
    x, y = _arrays()
    for hp, optimizer in ((_hp(), "auto"), (_hp(learning_rate_decay=0.5), keras.optimizers.SGD(0.01))):
        model = Object2Vec(hp)
        model.compile(optimizer=optimizer)
        seen = _RecordRate()
        model.fit(x, y, epochs=3, callbacks=[seen], verbose=0)
        np.testing.assert_allclose(seen.rates, [0.01] * 3, rtol=1e-6)


def test_decay_survives_save_and_load(tmp_path):
    model = Object2Vec(_hp(learning_rate_decay=0.5))
    model.compile()
    x, y = _arrays()
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    seen = _RecordRate()
    loaded.fit(x, y, epochs=3, initial_epoch=1, callbacks=[seen], verbose=0)
    np.testing.assert_allclose(seen.rates, [0.005, 0.0025], rtol=1e-6)


def test_decay_must_be_in_range():
    with pytest.raises(ValueError, match="decay must be in"):
        LearningRateDecay(0.1, 0.0)

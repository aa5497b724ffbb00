"""`training_objective=similarity` (CoSENT on the cosine) and `shared_encoder` (one encoder, both sides)."""

import itertools

import keras
import numpy as np
import pytest

import keras_o2v
from keras_o2v import HyperparameterError, Hyperparameters, Object2Vec
from keras_o2v.tasks import PearsonCorrelation, cosent_loss

RNG = np.random.default_rng(3)


def reference_cosent(cosines, labels, temperature, weights=None):
    weights = np.ones(len(labels)) if weights is None else weights
    total = 1.0
    for i, j in itertools.product(range(len(labels)), repeat=2):
        if labels[i] > labels[j]:
            total += weights[i] * weights[j] * np.exp((cosines[j] - cosines[i]) / temperature)
    return np.log(total)


def test_cosent_equals_the_numpy_reference():
    cosines = RNG.uniform(-1, 1, 7)
    labels = np.array([0.0, 2.5, 2.5, 5.0, 1.0, 4.2, 0.0])  # ties are not ordered
    weights = RNG.uniform(0.5, 2.0, 7)
    for temperature in (0.05, 0.5):
        assert float(cosent_loss(cosines, labels, temperature)) == pytest.approx(
            reference_cosent(cosines, labels, temperature), rel=1e-5)
    assert float(cosent_loss(cosines, labels, 0.5, weights)) == pytest.approx(
        reference_cosent(cosines, labels, 0.5, weights), rel=1e-5)
    # only the order of the labels counts
    assert float(cosent_loss(cosines, 3 * labels + 1, 0.5)) == pytest.approx(
        float(cosent_loss(cosines, labels, 0.5)), rel=1e-6)


def test_pearson_over_batches_is_the_channel_correlation():
    x, y = RNG.normal(size=1000), RNG.normal(size=1000)
    y = 0.3 * x + y
    metric = PearsonCorrelation()
    for start in range(0, 1000, 128):
        metric.update_state(y[start:start + 128], x[start:start + 128])
    assert float(metric.result()) == pytest.approx(np.corrcoef(x, y)[0, 1], abs=1e-5)
    metric.reset_state()
    metric.update_state(y[:5], np.ones(5))
    assert float(metric.result()) == 0.0  # a constant prediction


def similarity_hyperparameters(**overrides):
    values = dict(enc0_max_seq_len=5, enc0_vocab_size=30, enc0_network="pooled_embedding",
                  enc0_token_embedding_dim=8, training_objective="similarity",
                  output_layer="mean_squared_error", mini_batch_size=32, learning_rate=0.05,
                  shared_encoder=True)
    values.update(overrides)
    return Hyperparameters(**values)


def graded_pairs(n):
    """Pairs whose score is the number of tokens the two sides share (0 to 3)."""
    in0, in1, scores = [], [], []
    for _ in range(n):
        a = list(RNG.choice(np.arange(1, 30), 3, replace=False))
        shared = int(RNG.integers(0, 4))
        others = [t for t in range(1, 30) if t not in a]
        b = a[:shared] + list(RNG.choice(others, 3 - shared, replace=False))
        in0.append(a)
        in1.append(b)
        scores.append(float(shared))
    return {"in0": keras_o2v.pad_sequences(in0), "in1": keras_o2v.pad_sequences(in1)}, \
        np.array(scores, "float32")[:, None]


def test_the_model_learns_cosines_that_rank_pairs_like_their_scores():
    keras.utils.set_random_seed(0)
    model = Object2Vec(similarity_hyperparameters())
    model.compile()
    x, y = graded_pairs(512)
    before = model.evaluate(x, y, verbose=0, return_dict=True)
    model.fit(x, y, batch_size=32, epochs=8, verbose=0)
    after = model.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(after) == ["loss", "pearson", "similarity_ranking_loss"]
    assert after["loss"] < 0.7 * before["loss"] and after["pearson"] > 0.8
    # the served score is the cosine of the two embeddings
    e0, e1 = model.embed(in0=x["in0"][:4]), model.embed(in1=x["in1"][:4])
    cosines = (e0 * e1).sum(1) / np.linalg.norm(e0, axis=1) / np.linalg.norm(e1, axis=1)
    np.testing.assert_allclose(model.score(x["in0"][:4], x["in1"][:4])[:, 0], cosines, atol=1e-5)


def test_a_shared_encoder_is_one_set_of_weights_for_both_sides(tmp_path):
    model = Object2Vec(similarity_hyperparameters(enc0_network="bilstm", enc_dim=6))
    assert model.encoders[0] is model.encoders[1]
    assert model.token_embeddings[0] is model.token_embeddings[1]
    objects = [[1, 2, 3], [4, 5], [9]]
    np.testing.assert_allclose(model.embed(in0=objects), model.embed(in1=objects), atol=1e-6)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.encoders[0] is loaded.encoders[1]
    np.testing.assert_allclose(loaded.embed(in1=objects), model.embed(in0=objects), atol=1e-6)
    # SageMaker's enc1_network=enc0 copies the settings, not the weights
    copied = Object2Vec(similarity_hyperparameters(enc0_network="bilstm", enc_dim=6,
                                                   shared_encoder=False))
    assert copied.encoders[0] is not copied.encoders[1]


def test_settings_a_shared_encoder_cannot_have_are_refused():
    with pytest.raises(HyperparameterError, match="shared_encoder=True .* same network"):
        similarity_hyperparameters(enc1_network="hcnn", enc_dim=8)
    with pytest.raises(HyperparameterError, match="similarity_temperature=0.1 applies only"):
        Hyperparameters(enc0_max_seq_len=5, enc0_vocab_size=30, similarity_temperature=0.1)
    with pytest.raises(HyperparameterError, match="training_objective=similarity ranks pairs"):
        similarity_hyperparameters(output_layer="softmax", num_classes=3)

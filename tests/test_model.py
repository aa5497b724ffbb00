import warnings

import keras
import numpy as np
import pytest

from keras_o2v import Hyperparameters, Object2Vec, make_dataset
from tests.harness import additive_rating_pairs, modular_match_pairs, token_sequence_pairs, write_jsonl

PAIRS = {"in0": np.array([[1, 2, 3, 0], [4, 0, 0, 0]]), "in1": np.array([[5, 6], [7, 8]])}


def small_hp(network="hcnn", **overrides):
    values = {"enc0_max_seq_len": 6, "enc0_vocab_size": 20, "enc0_network": network,
              "enc0_token_embedding_dim": 8, "enc_dim": 8, "mlp_dim": 16, "num_classes": 3}
    values.update(overrides)
    return Hyperparameters(**values)


@pytest.mark.parametrize("network", ["pooled_embedding", "hcnn", "bilstm"])
def test_keras_save_load_round_trip_gives_identical_predictions(tmp_path, network):
    model = Object2Vec(small_hp(network, dropout=0.3))
    model.compile()
    expected = model.predict(PAIRS, verbose=0)
    assert expected.shape == (2, 3)
    np.testing.assert_allclose(expected.sum(axis=1), 1.0, atol=1e-5)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert isinstance(loaded, Object2Vec) and loaded.compiled
    np.testing.assert_allclose(loaded.predict(PAIRS, verbose=0), expected, atol=1e-6)
    clone = Object2Vec.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(PAIRS, verbose=0), expected, atol=1e-6)


def test_first_plus_sqrtn_pooling_keeps_the_first_token_at_full_weight(tmp_path):
    hp = small_hp("pooled_embedding", enc0_pooling="first_plus_sqrtn", enc_dim=8,
                  enc1_network="pooled_embedding", enc1_pooling="mean",
                  enc1_token_embedding_dim=8)
    model = Object2Vec(hp)
    model.compile()
    table = model.get_layer("token_embedding0").embeddings.numpy()
    in0 = [[3, 7, 9, 11, 12], [3]]
    expected = np.stack([table[3] + table[[7, 9, 11, 12]].sum(axis=0) / 2.0, table[3]])
    np.testing.assert_allclose(model.embed(in0=in0), expected, atol=1e-5)
    in1 = [[5, 6]]
    table1 = model.get_layer("token_embedding1").embeddings.numpy()
    np.testing.assert_allclose(model.embed(in1=in1), table1[[5, 6]].mean(axis=0, keepdims=True),
                               atol=1e-5)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.hyperparameters.enc0_pooling == "first_plus_sqrtn"
    np.testing.assert_allclose(loaded.embed(in0=in0), expected, atol=1e-5)


def test_architecture_matches_the_sagemaker_log():
    # SageMaker's document-embedding example: pooled 300-d, tied, hadamard, 2 x 512 relu MLP, 2 classes
    hp = Hyperparameters(enc0_max_seq_len=50, enc0_vocab_size=1000, enc0_network="pooled_embedding",
                         enc_dim=300, tied_token_embedding_weight=True, comparator_list="hadamard",
                         mlp_layers=2, mlp_dim=512, mlp_activation="relu", dropout=0.4)
    model = Object2Vec(hp)
    params = {layer.name: layer.count_params() for layer in model.layers}
    assert params["mlp_fc0"] == 154_112 and params["mlp_fc1"] == 262_656
    assert params["output_layer"] == 1_026
    assert model.token_embeddings[0] is model.token_embeddings[1]
    assert sum(v.shape == (1000, 300) for v in model.trainable_variables) == 1


def test_regression_head_has_one_linear_output():
    model = Object2Vec(small_hp(output_layer="mean_squared_error"))
    assert model.predict(PAIRS, verbose=0).shape == (2, 1)


def test_embed_uses_each_side_and_ignores_padding_and_truncates():
    model = Object2Vec(small_hp("pooled_embedding", enc1_vocab_size=30))
    ragged = model.embed(in0=[[1, 2, 3], [4]])
    padded = model.embed(in0=np.array([[1, 2, 3, 0, 0], [4, 0, 0, 0, 0]]))
    np.testing.assert_allclose(ragged, padded, atol=1e-6)
    too_long = model.embed(in0=[[1, 2, 3, 4, 5, 6, 7, 8, 9]])
    np.testing.assert_allclose(too_long, model.embed(in0=[[1, 2, 3, 4, 5, 6]]), atol=1e-6)
    table1 = keras.ops.convert_to_numpy(model.token_embeddings[1].embeddings)
    np.testing.assert_allclose(model.embed(in1=[[25]])[0], table1[25], atol=1e-6)
    with pytest.raises(ValueError, match="exactly one"):
        model.embed(in0=[[1]], in1=[[1]])


def test_fit_on_a_streamed_dataset_is_quiet_and_complete(tmp_path):
    hp = small_hp("pooled_embedding", num_classes=2)
    model = Object2Vec(hp)
    model.compile()
    path = write_jsonl(tmp_path / "t.jsonl", [{"label": 1, "in0": [1, 2], "in1": [3]}] * 40)
    batches = []
    counter = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: batches.append(0),
        on_train_batch_end=lambda batch, logs: batches.__setitem__(-1, batches[-1] + 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(make_dataset(path, hp, batch_size=8), epochs=3, verbose=0, callbacks=[counter])
        model.evaluate(make_dataset(path, hp, batch_size=8, training=False), verbose=0)
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "shuffle" in m or "ran out of data" in m], messages
    assert batches == [5, 5, 5]  # every epoch is a full pass, none is cut short


def fit_and_predict(tmp_path, hp, train, test, epochs):
    model = Object2Vec(hp)
    model.compile()
    model.fit(make_dataset(write_jsonl(tmp_path / "train.jsonl", train), hp, seed=0),
              epochs=epochs, verbose=0)
    test_set = make_dataset(write_jsonl(tmp_path / "test.jsonl", test), hp, training=False)
    untrained = Object2Vec(hp)
    untrained.compile()
    return model.evaluate(test_set, verbose=0, return_dict=True), \
        untrained.evaluate(test_set, verbose=0, return_dict=True)


def test_learns_token_pair_classification(tmp_path):
    hp = Hyperparameters(enc0_max_seq_len=1, enc0_vocab_size=60, enc0_network="pooled_embedding",
                         enc0_token_embedding_dim=16, mlp_dim=32, mlp_activation="relu",
                         learning_rate=0.01, mini_batch_size=64)
    trained, untrained = fit_and_predict(tmp_path, hp, modular_match_pairs(4000, seed=1),
                                         modular_match_pairs(1000, seed=2), epochs=6)
    assert trained["accuracy"] > 0.9 and untrained["accuracy"] < 0.7


def test_learns_rating_regression(tmp_path):
    hp = Hyperparameters(enc0_max_seq_len=1, enc0_vocab_size=41, enc1_vocab_size=51,
                         enc0_network="pooled_embedding", enc0_token_embedding_dim=16,
                         mlp_dim=32, mlp_activation="tanh", output_layer="mean_squared_error",
                         learning_rate=0.01, mini_batch_size=64)
    train, test = additive_rating_pairs(5000, seed=3), additive_rating_pairs(1000, seed=3)[:1000]
    variance = np.var([r["label"] for r in test])
    trained, untrained = fit_and_predict(tmp_path, hp, train, test, epochs=8)
    assert trained["mean_squared_error"] < 0.15 * variance
    assert untrained["mean_squared_error"] > 0.8 * variance


@pytest.mark.parametrize("network", ["hcnn", "bilstm"])
def test_learns_token_sequence_pairs(tmp_path, network):
    hp = Hyperparameters(enc0_max_seq_len=1, enc0_vocab_size=1004, enc0_network="pooled_embedding",
                         enc0_token_embedding_dim=16, enc1_network=network, enc1_max_seq_len=10,
                         enc1_vocab_size=41, enc1_token_embedding_dim=16, enc_dim=16,
                         enc1_layers=2 if network == "hcnn" else 1,
                         mlp_dim=32, mlp_activation="relu", learning_rate=0.02, mini_batch_size=64)
    trained, untrained = fit_and_predict(tmp_path, hp, token_sequence_pairs(1500, seed=4),
                                         token_sequence_pairs(600, seed=5), epochs=3)
    assert trained["accuracy"] > 0.85 and untrained["accuracy"] < 0.7
